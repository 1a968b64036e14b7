//! Background work: runs the app's effects against the backend off the UI path and sends
//! the results back as actions. The app coalesces (one fetch in flight per query); here
//! a semaphore bounds how many queries run at once.

use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};

use crate::app::Action;
use crate::app::data::{DataKey, Payload};
use crate::aws::{Backend, BackendError};
use crate::clock::Clock;
use crate::ops::Ops;

/// Runs one query.
pub async fn fetch(
    backend: &dyn Backend,
    ops: &dyn Ops,
    key: &DataKey,
) -> Result<Payload, BackendError> {
    Ok(match key {
        DataKey::Clusters => Payload::Clusters(Arc::new(backend.clusters().await?)),
        DataKey::Services { cluster } => {
            Payload::Services(Arc::new(backend.services(cluster).await?))
        }
        DataKey::Tasks {
            cluster,
            service,
            scope,
        } => Payload::Tasks(Arc::new(
            backend.tasks(cluster, service.as_deref(), *scope).await?,
        )),
        DataKey::Instances { cluster } => {
            Payload::Instances(Arc::new(backend.container_instances(cluster).await?))
        }
        DataKey::TaskDefinition { arn } => {
            Payload::TaskDefinition(Arc::new(backend.task_definition(arn).await?))
        }
        DataKey::Service { cluster, service } => {
            Payload::Service(Arc::new(ops.service(cluster, service).await?))
        }
        DataKey::Scaling { cluster, service } => {
            Payload::Scaling(Arc::new(ops.scaling(cluster, service).await?))
        }
        DataKey::Families => Payload::Families(Arc::new(ops.families().await?)),
        DataKey::Family { name } => Payload::Family(Arc::new(ops.family(name).await?)),
        DataKey::TaskDefDoc { arn } => {
            Payload::TaskDefDoc(Arc::new(ops.task_definition_doc(arn).await?))
        }
    })
}

/// Spawns fetches and reports their results on the app's channel.
#[derive(Clone)]
pub struct Worker {
    backend: Arc<dyn Backend>,
    ops: Arc<dyn Ops>,
    clock: Arc<dyn Clock>,
    tx: mpsc::UnboundedSender<Action>,
    permits: Arc<Semaphore>,
}

impl Worker {
    pub fn new(
        backend: Arc<dyn Backend>,
        ops: Arc<dyn Ops>,
        clock: Arc<dyn Clock>,
        tx: mpsc::UnboundedSender<Action>,
        concurrency: usize,
    ) -> Worker {
        Worker {
            backend,
            ops,
            clock,
            tx,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    pub fn spawn_fetch(&self, key: DataKey) {
        let w = self.clone();
        tokio::spawn(async move {
            // The semaphore is never closed, so acquiring only fails if it were; then run
            // unbounded rather than drop the request.
            let _permit = w.permits.acquire().await.ok();
            let result = fetch(w.backend.as_ref(), w.ops.as_ref(), &key).await;
            if let Err(e) = &result {
                tracing::warn!(?key, error = %e, "fetch failed");
            }
            let at = w.clock.now();
            // A closed channel means the app is shutting down; nothing to report to.
            let _ = w.tx.send(Action::Loaded { key, result, at });
        });
    }
}
