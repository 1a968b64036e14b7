//! Checks a task definition's JSON against the ECS rules before anything is sent.
//! (Filled in by the task definition work.)
