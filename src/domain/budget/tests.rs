use super::*;

/// How many calls of `category` at `priority` go through in `seconds` of (paused) time,
/// made one after another as fast as the budget lets them.
async fn calls_in(budget: &Budget, category: Category, priority: Priority, seconds: u64) -> u32 {
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut n = 0;
    loop {
        budget.acquire_as(category, priority).await;
        if Instant::now() > end {
            return n;
        }
        n += 1;
    }
}

#[tokio::test(start_paused = true)]
async fn a_load_spends_aws_burst_then_its_sustained_rate() {
    let budget = Budget::standard();
    // Service reads: AWS's bucket holds 100 and refills at 20/s.
    let n = calls_in(&budget, Category::ServiceRead, Priority::Load, 10).await;
    assert!((299..=301).contains(&n), "100 + 10 s x 20/s, got {n}");
}

#[tokio::test(start_paused = true)]
async fn steady_state_keeps_to_the_share() {
    let budget = Budget::standard();
    let n = calls_in(&budget, Category::ServiceRead, Priority::Visible, 60).await;
    // 25% of 20/s over 60 s, plus the one second the share's bucket holds.
    assert!((300..=306).contains(&n), "about 5/s for 60 s, got {n}");
    let b = Budget::standard();
    let n = calls_in(&b, Category::ServiceRead, Priority::Background, 60).await;
    assert!(
        (240..=246).contains(&n),
        "background keeps to 80% of the share, got {n}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_share_is_configurable() {
    let budget = Budget::new(ApiLimits::default(), 50);
    let n = calls_in(
        &budget,
        Category::ClusterResourceRead,
        Priority::Visible,
        10,
    )
    .await;
    assert!((100..=111).contains(&n), "50% of 20/s, got {n}");
}

#[tokio::test(start_paused = true)]
async fn a_load_after_steady_state_never_exceeds_what_aws_holds() {
    let budget = Budget::standard();
    // Steady use at the share for a minute, then a load: the mirror of AWS's bucket has
    // refilled to its burst (100) and no further.
    calls_in(&budget, Category::ServiceRead, Priority::Visible, 60).await;
    let n = calls_in(&budget, Category::ServiceRead, Priority::Load, 1).await;
    assert!(
        n <= 100 + 20,
        "at most AWS's burst plus one second, got {n}"
    );
    assert!(n >= 90, "the load may use what AWS holds, got {n}");
}

#[tokio::test(start_paused = true)]
async fn load_calls_count_against_the_share_too() {
    let budget = Budget::standard();
    calls_in(&budget, Category::ServiceRead, Priority::Load, 2).await;
    // The share's bucket owes what the load spent (at most one second of it), so steady
    // calls wait instead of spending it again.
    let start = Instant::now();
    budget
        .acquire_as(Category::ServiceRead, Priority::Visible)
        .await;
    assert!(Instant::now() - start >= Duration::from_millis(200));
}

#[tokio::test(start_paused = true)]
async fn a_throttle_halves_the_rates_and_they_climb_back() {
    let budget = Budget::standard();
    assert_eq!(budget.rates(Category::ServiceRead).share, 5.0);
    budget.throttled(Category::ServiceRead);
    let r = budget.rates(Category::ServiceRead);
    assert_eq!((r.full, r.share, r.throttles), (10.0, 2.5, 1));
    budget.throttled(Category::ServiceRead);
    assert_eq!(budget.rates(Category::ServiceRead).full, 5.0);
    // Other categories are untouched.
    assert_eq!(budget.rates(Category::ClusterResourceRead).full, 20.0);
    tokio::time::advance(Duration::from_secs(10)).await;
    let r = budget.rates(Category::ServiceRead);
    assert!(r.full > 5.0 && r.full < 20.0, "climbing, {r:?}");
    tokio::time::advance(Duration::from_secs(60)).await;
    assert_eq!(budget.rates(Category::ServiceRead).full, 20.0);
}

#[tokio::test(start_paused = true)]
async fn writes_are_not_held_back_by_reads() {
    let budget = Budget::standard();
    calls_in(&budget, Category::ServiceRead, Priority::Load, 5).await;
    let start = Instant::now();
    for _ in 0..10 {
        budget
            .acquire_as(Category::ServiceModify, Priority::Write)
            .await;
    }
    assert_eq!(Instant::now(), start, "writes have their own bucket");
}

#[tokio::test(start_paused = true)]
async fn priority_travels_with_the_task() {
    assert_eq!(current_priority(), Priority::Load);
    let inner = with_priority(Priority::Background, async { current_priority() }).await;
    assert_eq!(inner, Priority::Background);
}

#[test]
fn operations_map_to_their_categories() {
    assert_eq!(
        Category::of_ecs_operation("ListServices"),
        Some(Category::ServiceRead)
    );
    assert_eq!(
        Category::of_ecs_operation("DescribeContainerInstances"),
        Some(Category::ClusterResourceRead)
    );
    assert_eq!(
        Category::of_ecs_operation("UpdateService"),
        Some(Category::ServiceModify)
    );
    assert_eq!(Category::of_ecs_operation("GetCallerIdentity"), None);
}
