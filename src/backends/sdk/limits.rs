//! Client-side rate limits per ECS API category, and one bucket for Application Auto
//! Scaling. ECS throttles per account and region with token buckets shared with every
//! other client of the account; staying under them here keeps a dashboard refresh from
//! starving the deploy pipeline (or itself).

use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// One token bucket: `burst` calls at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRate {
    pub burst: u32,
    pub per_second: u32,
}

/// The buckets of the API categories this backend and its operations call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiLimits {
    /// DescribeClusters, ListClusters.
    pub cluster_read: ApiRate,
    /// DescribeServices, ListServices.
    pub service_read: ApiRate,
    /// DescribeTasks, ListTasks, DescribeContainerInstances, ListContainerInstances.
    pub cluster_resource_read: ApiRate,
    /// DescribeTaskDefinition, ListTaskDefinitions, ListTaskDefinitionFamilies.
    pub task_definition_read: ApiRate,
    /// UpdateService (scale, roll out, force a new deployment).
    pub service_modify: ApiRate,
    /// RegisterTaskDefinition.
    pub task_definition_register: ApiRate,
    /// StopTask.
    pub run_stop: ApiRate,
    /// UpdateContainerInstancesState. ECS publishes no number for it here: it gets the
    /// service-modify bucket's size.
    pub cluster_resource_modify: ApiRate,
    /// Every Application Auto Scaling call, reads included: that API publishes no rates,
    /// so it is treated like service modify.
    pub autoscaling: ApiRate,
}

impl Default for ApiLimits {
    /// The published ECS defaults (see ECS-FACTS.md).
    fn default() -> Self {
        ApiLimits {
            cluster_read: ApiRate {
                burst: 50,
                per_second: 20,
            },
            service_read: ApiRate {
                burst: 100,
                per_second: 20,
            },
            cluster_resource_read: ApiRate {
                burst: 100,
                per_second: 20,
            },
            task_definition_read: ApiRate {
                burst: 50,
                per_second: 20,
            },
            service_modify: MODIFY,
            task_definition_register: ApiRate {
                burst: 20,
                per_second: 1,
            },
            run_stop: ApiRate {
                burst: 100,
                per_second: 40,
            },
            cluster_resource_modify: MODIFY,
            autoscaling: MODIFY,
        }
    }
}

/// ECS's service-modify bucket: Create/Update/DeleteService.
const MODIFY: ApiRate = ApiRate {
    burst: 50,
    per_second: 5,
};

/// The live limiters, shared by every call of one backend.
#[derive(Debug)]
pub(crate) struct Limiters {
    pub cluster_read: DefaultDirectRateLimiter,
    pub service_read: DefaultDirectRateLimiter,
    pub cluster_resource_read: DefaultDirectRateLimiter,
    pub task_definition_read: DefaultDirectRateLimiter,
    pub service_modify: DefaultDirectRateLimiter,
    pub task_definition_register: DefaultDirectRateLimiter,
    pub run_stop: DefaultDirectRateLimiter,
    pub cluster_resource_modify: DefaultDirectRateLimiter,
    pub autoscaling: DefaultDirectRateLimiter,
}

impl Limiters {
    pub(crate) fn new(limits: ApiLimits) -> Self {
        Limiters {
            cluster_read: limiter(limits.cluster_read),
            service_read: limiter(limits.service_read),
            cluster_resource_read: limiter(limits.cluster_resource_read),
            task_definition_read: limiter(limits.task_definition_read),
            service_modify: limiter(limits.service_modify),
            task_definition_register: limiter(limits.task_definition_register),
            run_stop: limiter(limits.run_stop),
            cluster_resource_modify: limiter(limits.cluster_resource_modify),
            autoscaling: limiter(limits.autoscaling),
        }
    }
}

fn limiter(rate: ApiRate) -> DefaultDirectRateLimiter {
    // A zero rate would mean "never call"; treat it as the slowest rate instead.
    let per_second = NonZeroU32::new(rate.per_second).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(rate.burst).unwrap_or(NonZeroU32::MIN);
    RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted_at_once(limiter: &DefaultDirectRateLimiter) -> usize {
        (0..1000).take_while(|_| limiter.check().is_ok()).count()
    }

    #[test]
    fn bursts_match_the_ecs_categories() {
        let limiters = Limiters::new(ApiLimits::default());
        assert_eq!(admitted_at_once(&limiters.cluster_read), 50);
        assert_eq!(admitted_at_once(&limiters.service_read), 100);
        assert_eq!(admitted_at_once(&limiters.cluster_resource_read), 100);
        assert_eq!(admitted_at_once(&limiters.task_definition_read), 50);
        assert_eq!(admitted_at_once(&limiters.service_modify), 50);
        assert_eq!(admitted_at_once(&limiters.task_definition_register), 20);
        assert_eq!(admitted_at_once(&limiters.run_stop), 100);
        assert_eq!(admitted_at_once(&limiters.cluster_resource_modify), 50);
        assert_eq!(admitted_at_once(&limiters.autoscaling), 50);
    }

    #[test]
    fn zero_rate_still_admits_one_call() {
        let limiter = limiter(ApiRate {
            burst: 0,
            per_second: 0,
        });
        assert_eq!(admitted_at_once(&limiter), 1);
    }
}
