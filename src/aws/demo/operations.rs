//! The demo fleet's operations: scaling, auto scaling, task definition revisions and
//! rollouts, acting on the simulation. (Being filled in.)

use async_trait::async_trait;

use super::DemoBackend;
use crate::aws::model::Service;
use crate::aws::{BackendError, BackendResult, ErrorKind};
use crate::ops::model::{Family, Scaling, TaskDefDoc};
use crate::ops::{Mutation, Ops, Outcome};

fn todo(op: &str) -> BackendError {
    BackendError::new(ErrorKind::Service, op, "not available in the demo yet")
}

#[async_trait]
impl Ops for DemoBackend {
    async fn service(&self, _cluster: &str, _service: &str) -> BackendResult<Service> {
        Err(todo("DescribeServices"))
    }
    async fn scaling(&self, _cluster: &str, _service: &str) -> BackendResult<Scaling> {
        Err(todo("DescribeScalableTargets"))
    }
    async fn families(&self) -> BackendResult<Vec<Family>> {
        Err(todo("ListTaskDefinitionFamilies"))
    }
    async fn task_definition_doc(&self, _task_definition: &str) -> BackendResult<TaskDefDoc> {
        Err(todo("DescribeTaskDefinition"))
    }
    async fn execute(&self, mutation: &Mutation) -> BackendResult<Outcome> {
        Err(todo(mutation.api()))
    }
}
