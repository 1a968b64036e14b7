//! The account's API budget. ECS throttles each API category with a token bucket per
//! account and region, shared with every other client of the account: deploy pipelines,
//! Terraform, the console. The dashboard keeps to a share of each category's sustained
//! rate (`api_share`, 25% by default) in steady state; the first load of a pane, an
//! explicit refresh and writes may use the category's full rate, never more than AWS's
//! bucket itself holds. A throttled answer halves the category's rates; they climb back
//! slowly while no throttling is seen.
//!
//! Every call of one process takes its tokens here, from one `Budget` per account and
//! region: every pane, the logs engine's ECS reads, the rollout follower and the
//! operations. What a call is for (its `Priority`) travels with the task that makes it
//! (`with_priority`), so the adapters need no extra argument.
//!
//! A hand-written bucket rather than `governor`'s: its rate changes at run time (share,
//! full rate, halved after a throttle), which a fixed `Quota` cannot.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The ECS API categories ECS throttles separately, plus Application Auto Scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// DescribeClusters, ListClusters.
    ClusterRead,
    /// DescribeServices, ListServices.
    ServiceRead,
    /// DescribeTasks, ListTasks, DescribeContainerInstances, ListContainerInstances.
    ClusterResourceRead,
    /// DescribeTaskDefinition, ListTaskDefinitions, ListTaskDefinitionFamilies.
    TaskDefinitionRead,
    /// Create/Update/DeleteService.
    ServiceModify,
    /// Register/DeregisterTaskDefinition.
    TaskDefinitionRegister,
    /// RunTask, StopTask.
    RunStop,
    /// UpdateContainerInstancesState.
    ClusterResourceModify,
    /// Every Application Auto Scaling call.
    Autoscaling,
    /// Elastic Load Balancing reads (DescribeTargetHealth).
    LoadBalancerRead,
    /// CloudWatch GetMetricData.
    MetricRead,
    /// CloudWatch DescribeAlarms.
    AlarmRead,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::ClusterRead,
        Category::ServiceRead,
        Category::ClusterResourceRead,
        Category::TaskDefinitionRead,
        Category::ServiceModify,
        Category::TaskDefinitionRegister,
        Category::RunStop,
        Category::ClusterResourceModify,
        Category::Autoscaling,
        Category::LoadBalancerRead,
        Category::MetricRead,
        Category::AlarmRead,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The category of an ECS operation by its API name (`DescribeServices`); `None` for
    /// calls ECS does not throttle this way.
    pub fn of_ecs_operation(operation: &str) -> Option<Category> {
        Some(match operation {
            "DescribeClusters" | "ListClusters" => Category::ClusterRead,
            "DescribeServices" | "ListServices" => Category::ServiceRead,
            "DescribeTasks"
            | "ListTasks"
            | "DescribeContainerInstances"
            | "ListContainerInstances" => Category::ClusterResourceRead,
            "DescribeTaskDefinition" | "ListTaskDefinitions" | "ListTaskDefinitionFamilies" => {
                Category::TaskDefinitionRead
            }
            "CreateService" | "UpdateService" | "DeleteService" => Category::ServiceModify,
            "RegisterTaskDefinition" | "DeregisterTaskDefinition" => {
                Category::TaskDefinitionRegister
            }
            // ECS names no bucket for ExecuteCommand; it is a call on one task, as these are.
            "RunTask" | "StopTask" | "ExecuteCommand" => Category::RunStop,
            "UpdateContainerInstancesState" => Category::ClusterResourceModify,
            _ => return None,
        })
    }

    /// The category of an Elastic Load Balancing operation.
    pub fn of_elb_operation(operation: &str) -> Option<Category> {
        operation
            .starts_with("Describe")
            .then_some(Category::LoadBalancerRead)
    }

    /// The category of a CloudWatch operation.
    pub fn of_cloudwatch_operation(operation: &str) -> Option<Category> {
        match operation {
            "GetMetricData" => Some(Category::MetricRead),
            "DescribeAlarms" => Some(Category::AlarmRead),
            _ => None,
        }
    }

    /// In words, for the header and the log.
    pub fn label(self) -> &'static str {
        match self {
            Category::ClusterRead => "cluster reads",
            Category::ServiceRead => "service reads",
            Category::ClusterResourceRead => "task and instance reads",
            Category::TaskDefinitionRead => "task definition reads",
            Category::ServiceModify => "service changes",
            Category::TaskDefinitionRegister => "task definition registrations",
            Category::RunStop => "task runs and stops",
            Category::ClusterResourceModify => "instance changes",
            Category::Autoscaling => "auto scaling calls",
            Category::LoadBalancerRead => "load balancer reads",
            Category::MetricRead => "metric reads",
            Category::AlarmRead => "alarm reads",
        }
    }
}

/// One token bucket as AWS publishes it: `burst` calls at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRate {
    pub burst: u32,
    pub per_second: u32,
}

/// AWS's bucket of every category (ECS-FACTS.md; Application Auto Scaling publishes
/// none and is treated like service modify; Elastic Load Balancing publishes none either
/// and gets a low one; CloudWatch publishes transactions per second, taken as both burst
/// and rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiLimits {
    pub rates: [ApiRate; 12],
}

impl ApiLimits {
    pub fn rate(&self, category: Category) -> ApiRate {
        self.rates[category.index()]
    }

    pub fn with(mut self, category: Category, rate: ApiRate) -> ApiLimits {
        self.rates[category.index()] = rate;
        self
    }
}

impl Default for ApiLimits {
    fn default() -> Self {
        let rate = |burst, per_second| ApiRate { burst, per_second };
        let modify = rate(50, 5);
        ApiLimits {
            rates: [
                rate(50, 20),  // cluster read
                rate(100, 20), // service read
                rate(100, 20), // cluster resource read
                rate(50, 20),  // task definition read
                modify,        // service modify
                rate(20, 1),   // task definition register
                rate(100, 40), // run/stop
                modify,        // cluster resource modify: no published number
                modify,        // auto scaling: no published numbers
                rate(20, 10),  // load balancer reads: no published numbers, kept low
                rate(50, 50),  // GetMetricData: 50 TPS (CloudWatch's service quotas)
                rate(9, 9),    // DescribeAlarms: 9 TPS
            ],
        }
    }
}

/// What a call is for, which decides the buckets it takes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// The first load of a pane or an explicit refresh: up to the category's full rate.
    Load,
    /// A change the user confirmed: never starved by reads, never above AWS's bucket.
    Write,
    /// Refreshing what is on screen: within the share.
    Visible,
    /// Sweeping what is off screen: within most of the share, leaving room for the screen.
    Background,
}

tokio::task_local! {
    static PRIORITY: Priority;
}

/// Runs `work` with every call it makes counted as `priority`.
pub async fn with_priority<F: Future>(priority: Priority, work: F) -> F::Output {
    PRIORITY.scope(priority, work).await
}

/// The priority of the calling task. Calls made outside the dashboard's fetches (a
/// command such as `ecsdash scale`, run once at the user's request) count as `Load`.
pub fn current_priority() -> Priority {
    PRIORITY.try_with(|p| *p).unwrap_or(Priority::Load)
}

/// The default share of each category's sustained rate, in percent.
pub const DEFAULT_SHARE_PERCENT: u8 = 25;
/// Background sweeps keep to this part of the share.
const BACKGROUND_PART: f64 = 0.8;
/// After a throttle the rates are multiplied by this at the lowest...
const LOWEST_CUT: f64 = 1.0 / 16.0;
/// ...and climb back by this part of the full rate each second.
const CLIMB_PER_SECOND: f64 = 0.02;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn full(capacity: f64, now: Instant) -> Bucket {
        Bucket {
            tokens: capacity,
            last: now,
        }
    }

    fn refill(&mut self, now: Instant, rate: f64, capacity: f64) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(capacity);
        self.last = now;
    }

    /// How long until one token is there at `rate`.
    fn wait(&self, rate: f64) -> Duration {
        if self.tokens >= 1.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64((1.0 - self.tokens) / rate.max(1e-3))
    }
}

#[derive(Debug)]
struct State {
    aws: ApiRate,
    /// This process's own use against AWS's bucket (its burst, its sustained rate).
    mirror: Bucket,
    /// The steady share.
    share: Bucket,
    /// Background sweeps' part of the share.
    background: Bucket,
    /// 1.0, halved by each throttle, climbing back while none is seen.
    cut: f64,
    cut_at: Instant,
    throttles: u64,
}

/// The rates of one category as they stand, for the header and the tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// Calls a second the first load of a pane may make now.
    pub full: f64,
    /// Calls a second in steady state now.
    pub share: f64,
    /// Throttled answers seen since start.
    pub throttles: u64,
}

/// The budget of one account and region.
#[derive(Debug)]
pub struct Budget {
    share: f64,
    states: Mutex<Vec<State>>,
}

impl Budget {
    /// `share_percent` of each category's sustained rate in steady state (1..=100).
    pub fn new(limits: ApiLimits, share_percent: u8) -> Budget {
        let share = f64::from(share_percent.clamp(1, 100)) / 100.0;
        let now = Instant::now();
        let states = Category::ALL
            .iter()
            .map(|&c| {
                let aws = limits.rate(c);
                let (_, share_rate) = rates(aws, share, 1.0);
                State {
                    aws,
                    mirror: Bucket::full(f64::from(aws.burst.max(1)), now),
                    share: Bucket::full(share_capacity(share_rate), now),
                    background: Bucket::full(share_capacity(share_rate * BACKGROUND_PART), now),
                    cut: 1.0,
                    cut_at: now,
                    throttles: 0,
                }
            })
            .collect();
        Budget {
            share,
            states: Mutex::new(states),
        }
    }

    /// The default budget: AWS's published rates and the default share.
    pub fn standard() -> Budget {
        Budget::new(ApiLimits::default(), DEFAULT_SHARE_PERCENT)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<State>> {
        self.states.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until a call of `category` fits, at the calling task's priority, and takes
    /// its tokens.
    pub async fn acquire(&self, category: Category) {
        self.acquire_as(category, current_priority()).await;
    }

    /// Waits until a call of `category` at `priority` fits, and takes its tokens.
    pub async fn acquire_as(&self, category: Category, priority: Priority) {
        loop {
            let wait = self.try_take(category, priority, Instant::now());
            if wait.is_zero() {
                return;
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes the tokens if they are there (returning zero), else says how long to wait.
    fn try_take(&self, category: Category, priority: Priority, now: Instant) -> Duration {
        let share = self.share;
        let mut states = self.lock();
        let st = &mut states[category.index()];
        st.climb(now);
        let (full_rate, share_rate) = rates(st.aws, share, st.cut);
        let background_rate = share_rate * BACKGROUND_PART;
        st.mirror
            .refill(now, full_rate, f64::from(st.aws.burst.max(1)));
        st.share.refill(now, share_rate, share_capacity(share_rate));
        st.background
            .refill(now, background_rate, share_capacity(background_rate));
        let mut wait = st.mirror.wait(full_rate);
        if matches!(priority, Priority::Visible | Priority::Background) {
            wait = wait.max(st.share.wait(share_rate));
        }
        if priority == Priority::Background {
            wait = wait.max(st.background.wait(background_rate));
        }
        if !wait.is_zero() {
            return wait;
        }
        // Every call counts against the mirror and the share, whatever paid for it, so a
        // load's calls are not spent a second time in steady state.
        st.mirror.tokens -= 1.0;
        st.share.tokens = (st.share.tokens - 1.0).max(-share_capacity(share_rate));
        if priority == Priority::Background {
            st.background.tokens -= 1.0;
        }
        Duration::ZERO
    }

    /// Counts a call that went out without `acquire` (the SDK's own retry of an attempt):
    /// its tokens are taken even if that leaves the buckets owing.
    pub fn charge(&self, category: Category) {
        let mut states = self.lock();
        let st = &mut states[category.index()];
        st.mirror.tokens -= 1.0;
        st.share.tokens -= 1.0;
    }

    /// AWS answered a call of `category` with a throttle: halve its rates.
    pub fn throttled(&self, category: Category) {
        let now = Instant::now();
        let mut states = self.lock();
        let st = &mut states[category.index()];
        st.climb(now);
        st.cut = (st.cut / 2.0).max(LOWEST_CUT);
        st.cut_at = now;
        st.throttles += 1;
        tracing::info!(
            category = category.label(),
            cut = st.cut,
            "throttled: rates halved"
        );
    }

    /// The rates of `category` as they stand.
    pub fn rates(&self, category: Category) -> Rates {
        let mut states = self.lock();
        let st = &mut states[category.index()];
        st.climb(Instant::now());
        let (full, share) = rates(st.aws, self.share, st.cut);
        Rates {
            full,
            share,
            throttles: st.throttles,
        }
    }
}

impl State {
    fn climb(&mut self, now: Instant) {
        if self.cut < 1.0 {
            let elapsed = now.saturating_duration_since(self.cut_at).as_secs_f64();
            self.cut = (self.cut + elapsed * CLIMB_PER_SECOND).min(1.0);
        }
        self.cut_at = now;
    }
}

/// The full and the share rates of a bucket at `cut`.
fn rates(aws: ApiRate, share: f64, cut: f64) -> (f64, f64) {
    let full = f64::from(aws.per_second.max(1)) * cut;
    (full, full * share)
}

/// The share's bucket holds one second of its rate (at least one call), so over any
/// minute it admits at most one second more than its rate.
fn share_capacity(rate: f64) -> f64 {
    rate.max(1.0)
}

#[cfg(test)]
mod tests;
