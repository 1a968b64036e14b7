//! Operations through the AWS SDK: UpdateService, StopTask, UpdateContainerInstancesState,
//! RegisterTaskDefinition from raw JSON, and Application Auto Scaling. (Being filled in.)

use async_trait::async_trait;
use aws_config::SdkConfig;

use crate::aws::model::Service;
use crate::aws::{BackendError, BackendResult, ErrorKind};
use crate::ops::model::{Family, Scaling, TaskDefDoc};
use crate::ops::{Mutation, Ops, Outcome};

pub struct SdkOps {
    #[allow(dead_code)]
    config: SdkConfig,
}

impl SdkOps {
    pub fn new(config: SdkConfig) -> SdkOps {
        SdkOps { config }
    }
}

fn todo(op: &str) -> BackendError {
    BackendError::new(ErrorKind::Service, op, "not implemented yet")
}

#[async_trait]
impl Ops for SdkOps {
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
