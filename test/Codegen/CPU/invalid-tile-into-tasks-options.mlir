// RUN: retnet-opt %s --pass-pipeline='builtin.module(func.func(retnet-cpu-tile-into-tasks{min-task-work=0}))' -verify-diagnostics

// expected-error@+1 {{retnet-cpu-tile-into-tasks: tasks and min-task-work must be at least 1}}
func.func @f() {
  return
}
