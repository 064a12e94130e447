;; World `task-route` (task-route.wit): route(priority) -> a JSON text.
;; No imports: the answers are fixed texts in memory; a string result points at an
;; [address, length] pair (the canonical ABI), so the export returns the address of one.
(module
  (memory (export "memory") 1)
  ;; The [address, length] pairs of the answers, 8 bytes each.
  (data (i32.const 16) "\00\01\00\00\11\00\00\00\11\01\00\00\1c\00\00\00")
  (data (i32.const 256) "{\22next\22:\22enrich\22}")
  (data (i32.const 273) "{\22next\22:[\22enrich\22,\22notify\22]}")
  ;; The answer: 1 for priority 2 or more.
  (func (export "route") (param $priority i32) (result i32)
    (i32.add (i32.const 16) (i32.mul (i32.const 8) (i32.ge_u (local.get $priority) (i32.const 2))))))
