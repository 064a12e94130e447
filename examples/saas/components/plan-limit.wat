;; World `plan-limit` (plan-limit.wit): allowed(free-plan, task-count, max-free-tasks) -> bool.
;; No memory, no imports: scalars in, a scalar out.
(module
  (func (export "allowed") (param $free i32) (param $count i32) (param $max i32) (result i32)
    (if (result i32) (local.get $free)
      (then (i32.lt_u (local.get $count) (local.get $max)))
      (else (i32.const 1)))))
