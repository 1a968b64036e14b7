//! Following a deployment to its end. (Filled in by the rollout work.)
