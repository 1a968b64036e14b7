//! Differences between two task definition revisions, as the operator reads them before
//! registering or rolling out. (Filled in by the task definition work.)
