//! The session cache (issue 23): pages answered from memory, and never a stale "yes" — not after
//! a logout or a change on this instance, not after one on another instance (PostgreSQL,
//! LISTEN/NOTIFY), and not while the change channel is down.
use deepdive::clock::Clock;
use deepdive::entities::learning_views;
use deepdive::web::AppState;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};

use crate::helpers::*;

const LESSON: &str = "/modules/ai-fundamentals/lessons/what-is-ai";

fn session_of(r: &reqwest::Response) -> String {
    let cookie = set_cookie(r, "dd_session").expect("a session cookie");
    cookie.split(';').next().unwrap().to_string()
}

async fn view_ids(app: &TestApp) -> Vec<i32> {
    learning_views::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|v| v.id)
        .collect()
}

#[tokio::test]
async fn a_reload_of_the_same_lesson_is_answered_from_memory_and_anything_else_ends_that() {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    if app.database_url.is_some() {
        // Lesson memos are SQLite-only (a session's next request may reach another instance).
        return;
    }
    app.new_learner().await;
    app.get_html(LESSON).await;
    let first = view_ids(&app).await;
    assert_eq!(first.len(), 1);
    app.clock.advance(chrono::Duration::seconds(20));
    app.get_html(LESSON).await;
    assert_eq!(
        view_ids(&app).await,
        first,
        "the reload continues the open view"
    );
    assert_eq!(
        app.state.session_cache.len(),
        1,
        "the session is held in memory"
    );
    // Another page in the session closes the view; the next visit opens a new one.
    app.get_html("/dashboard").await;
    app.get_html(LESSON).await;
    assert_eq!(view_ids(&app).await.len(), 2);
    // A minute on, a reload goes to the database again (and is recorded as a new view).
    app.clock.advance(chrono::Duration::seconds(61));
    app.get_html(LESSON).await;
    assert_eq!(view_ids(&app).await.len(), 3);
}

#[tokio::test]
async fn completing_a_lesson_in_another_session_shows_on_the_next_reload() {
    let app = spawn_app_on(Clock::stopped(), |_| {}).await;
    let email = app.new_learner().await;
    let html = app.get_html(LESSON).await;
    assert!(html.contains("Mark as complete"), "not yet complete");
    let other = app.other_browser();
    other.login(&email, PASSWORD).await;
    let r = other.complete_lesson("ai-fundamentals", "what-is-ai").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = app.get_html(LESSON).await;
    assert!(
        !html.contains("Mark as complete"),
        "the first session sees the completion at once"
    );
}

#[tokio::test]
async fn a_change_written_behind_the_servers_back_reaches_the_cache() {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    let app = spawn_app().await;
    let email = app.new_learner().await;
    assert!(app.get_html("/dashboard").await.contains("Test Learner"));
    // As `deepdive` CLI commands do: the change goes straight to the database.
    deepdive::entities::users::Entity::update_many()
        .col_expr(
            deepdive::entities::users::Column::Name,
            Expr::value("Renamed Learner"),
        )
        .filter(deepdive::entities::users::Column::Email.eq(email.as_str()))
        .exec(&app.db)
        .await
        .unwrap();
    app.sync_caches().await;
    assert!(app.get_html("/dashboard").await.contains("Renamed Learner"));
    // Disabled behind its back: the next request is refused.
    deepdive::entities::users::Entity::update_many()
        .col_expr(
            deepdive::entities::users::Column::DisabledAt,
            Expr::value(app.clock.now()),
        )
        .filter(deepdive::entities::users::Column::Email.eq(email.as_str()))
        .exec(&app.db)
        .await
        .unwrap();
    app.sync_caches().await;
    let r = app.get("/dashboard").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/login"));
}

async fn until_live(state: &AppState) {
    for _ in 0..200 {
        if state.session_cache.is_live() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the cache never went live (no LISTEN connection)");
}

#[tokio::test]
async fn a_logout_on_one_instance_ends_the_session_on_the_other_at_once() {
    let first = spawn_app().await;
    if first.database_url.is_none() {
        eprintln!("skipped: the cross-instance cache test needs PostgreSQL (set DATABASE_URL)");
        return;
    }
    let second = first.second_instance().await;
    until_live(&first.state).await;
    until_live(&second.state).await;
    let r = first
        .register("both@example.org", "Both Instances", PASSWORD)
        .await;
    let cookie = session_of(&r);
    for _ in 0..2 {
        let r = get_with_cookie(&second, "/dashboard", &cookie).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    assert_eq!(
        second.state.session_cache.len(),
        1,
        "held by the second instance"
    );
    let r = first.logout().await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = get_with_cookie(&second, "/dashboard", &cookie).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the very next request is refused"
    );
    assert!(location(&r).starts_with("/login"));
}

#[tokio::test]
async fn while_the_change_channel_is_down_the_other_instance_reads_the_database() {
    let first = spawn_app().await;
    if first.database_url.is_none() {
        eprintln!("skipped: the cross-instance cache test needs PostgreSQL (set DATABASE_URL)");
        return;
    }
    let second = first.second_instance().await;
    until_live(&second.state).await;
    let r = first
        .register("down@example.org", "Channel Down", PASSWORD)
        .await;
    let cookie = session_of(&r);
    assert_eq!(
        get_with_cookie(&second, "/dashboard", &cookie)
            .await
            .status(),
        StatusCode::OK
    );
    let before = second.state.cache_sync.connections();
    // Cut every LISTEN connection of this database; the logout's notification then reaches no one.
    first
        .db
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .await
        .unwrap();
    let r = first.logout().await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Whether the second instance is still reconnecting (cache off) or has reconnected (cache
    // emptied), the stolen cookie is refused.
    let r = get_with_cookie(&second, "/dashboard", &cookie).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for _ in 0..200 {
        if second.state.cache_sync.connections() > before && second.state.session_cache.is_live() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(
        second.state.cache_sync.connections() > before,
        "the listener connected again"
    );
    let r = get_with_cookie(&second, "/dashboard", &cookie).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "and still refuses it after reconnecting"
    );
    let sessions = deepdive::entities::sessions::Entity::find()
        .count(&first.db)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn the_lesson_page_is_rendered_once_but_each_learner_sees_their_own_name_and_token() {
    let ann = spawn_app().await;
    ann.register("ann@example.org", "Ann <Example>", PASSWORD)
        .await;
    let bob = ann.other_browser();
    bob.register("bob@example.org", "Bob Example", PASSWORD)
        .await;
    let a = ann.get_html(LESSON).await;
    let b = bob.get_html(LESSON).await;
    assert!(a.contains("Ann &lt;Example&gt;") && !a.contains("Bob Example"));
    assert!(b.contains("Bob Example") && !b.contains("Ann &lt;Example&gt;"));
    assert_ne!(csrf_token(&a), csrf_token(&b));
    // The token on each page is the one its own session's forms need.
    let r = bob.complete_lesson("ai-fundamentals", "what-is-ai").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let b = bob.get_html(LESSON).await;
    let a = ann.get_html(LESSON).await;
    assert!(!b.contains("Mark as complete") && a.contains("Mark as complete"));
}
