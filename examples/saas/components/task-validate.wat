;; World `task-validate` (task-validate.wit): validate(priority) -> a JSON text.
;; No imports: the answers are fixed texts in memory; a string result points at an
;; [address, length] pair (the canonical ABI), so the export returns the address of one.
(module
  (memory (export "memory") 1)
  ;; The [address, length] pairs of the answers, 8 bytes each.
  (data (i32.const 16) "\00\01\00\00\02\00\00\00\02\01\00\00\50\00\00\00")
  (data (i32.const 256) "[]")
  (data (i32.const 258) "{\22errors\22:[{\22path\22:\22priority\22,\22message\22:\22a title starts with at most three !\22}]}")
  ;; The answer: 0 when the priority is 0–3, else 1.
  (func (export "validate") (param $priority i32) (result i32)
    (i32.add (i32.const 16) (i32.mul (i32.const 8) (i32.gt_u (local.get $priority) (i32.const 3))))))
