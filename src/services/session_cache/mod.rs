//! Live sessions from memory: what every page needs to know about its visitor (who they are, and
//! what the header links to), read from the database once and then kept until something changes.
//!
//! Exact, not "fresh enough": triggers in the database record every change that can make an entry
//! stale (a session ended, a user changed or disabled, a membership, a line manager, an
//! organisation; see migration `m20261203_800001_cache_events`), in the same transaction as the
//! change. [`sync`] applies them:
//! - after every write request, before its response is sent (so the browser that logged out, or the
//!   admin who disabled an account, never meets the old state again);
//! - every 200 ms for writes made outside requests (the CLI, background jobs);
//! - on PostgreSQL, the moment another instance commits (LISTEN/NOTIFY). While this instance is not
//!   listening (the channel is down, or has not answered a ping within two seconds) the cache is
//!   off and every request reads the database: never a stale "yes".
//!
//! Every invalidation moves a generation counter, and an entry read from the database is kept only
//! when no invalidation happened while it was being read, so a slow read can never put back what a
//! logout has just removed.
//!
//! The entry also holds the lesson page's memo of this session's last lesson view (see
//! [`CachedSession::lesson`]): a reload of the lesson a learner is on, within a minute, changes
//! nothing in the database, so it needs no database at all.
pub mod sync;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Duration, Utc};

use crate::services::sessions::SignedIn;

/// At most this many sessions are kept (each a few hundred bytes); when full, it starts afresh.
const CAPACITY: usize = 100_000;

/// How long a lesson view's memo serves reloads of the same lesson. Well under the learning-time
/// cap (20 minutes) and the visit precision (5 minutes), so a reload served from the memo credits
/// and records exactly what a reload through the database would have.
pub const LESSON_MEMO: Duration = Duration::seconds(60);

/// One live session as the database had it.
#[derive(Debug)]
pub struct CachedSession {
    pub user: SignedIn,
    pub expires_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The header's "Your team" link.
    pub manages_team: bool,
    /// The header's "Course lead" link: the organisations (slug, name) this user leads.
    pub led_by: Vec<(String, String)>,
    /// The learner's organisation and cohort (pacing, module locks, time zone), read on first use.
    cohort: std::sync::OnceLock<Option<crate::services::pacing::LearnerCohort>>,
    memo: Mutex<Memo>,
}

#[derive(Debug, Default)]
struct Memo {
    epoch: u64,
    lesson: Option<LessonMemo>,
}

/// This session's last lesson view, as the lesson page left it in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonMemo {
    pub module: String,
    pub lesson: String,
    /// The open learning-time view (its id goes to the page's heartbeat).
    pub view_id: i32,
    pub opened_at: DateTime<Utc>,
    /// Since when the database's "last viewed" and "last active" for this lesson have held.
    pub recorded_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl CachedSession {
    pub fn new(
        user: SignedIn,
        expires_at: DateTime<Utc>,
        last_seen_at: DateTime<Utc>,
        manages_team: bool,
        led_by: Vec<(String, String)>,
    ) -> Self {
        CachedSession {
            user,
            expires_at,
            last_seen_at,
            manages_team,
            led_by,
            cohort: std::sync::OnceLock::new(),
            memo: Mutex::default(),
        }
    }

    /// The learner's cohort, when this entry has read it already.
    pub fn cohort(&self) -> Option<&Option<crate::services::pacing::LearnerCohort>> {
        self.cohort.get()
    }

    /// Keeps the learner's cohort as just read. A change to memberships, cohorts or organisations
    /// is an event that drops the whole entry, so what is kept here is never older than the entry.
    pub fn keep_cohort(&self, cohort: Option<crate::services::pacing::LearnerCohort>) {
        let _ = self.cohort.set(cohort);
    }

    /// The memo's epoch now: pass it back to [`CachedSession::remember_lesson`].
    pub fn memo_epoch(&self) -> u64 {
        self.memo.lock().map_or(u64::MAX, |m| m.epoch)
    }

    /// The session did something other than view a lesson (another page, a form, a heartbeat):
    /// the memo is dropped, and a lesson view already under way cannot set it again.
    pub fn forget_lesson(&self) {
        if let Ok(mut m) = self.memo.lock() {
            m.epoch = m.epoch.wrapping_add(1);
            m.lesson = None;
        }
    }

    /// The memo of `module`/`lesson`, when it is this session's last view and still serves at `now`.
    pub fn lesson(&self, module: &str, lesson: &str, now: DateTime<Utc>) -> Option<LessonMemo> {
        let m = self.memo.lock().ok()?;
        let memo = m.lesson.as_ref()?;
        (memo.module == module
            && memo.lesson == lesson
            && now >= memo.opened_at
            && now - memo.opened_at < LESSON_MEMO
            && now - memo.recorded_at < crate::services::progress::VISIT_PRECISION)
            .then(|| memo.clone())
    }

    /// Keeps the view a lesson page has just opened, unless something else happened in the session
    /// since `epoch`, or a later view (a higher id: it closed this one) is already kept.
    pub fn remember_lesson(&self, epoch: u64, memo: LessonMemo) {
        if let Ok(mut m) = self.memo.lock()
            && m.epoch == epoch
            && m.lesson.as_ref().is_none_or(|l| l.view_id < memo.view_id)
        {
            m.lesson = Some(memo);
        }
    }
}

/// The cache itself: one per process, shared by every worker.
#[derive(Debug)]
pub struct SessionCache {
    entries: RwLock<HashMap<String, Arc<CachedSession>>>,
    generation: AtomicU64,
    live: AtomicBool,
    /// Whether lesson memos may be used: only where this process sees every request of a session
    /// (SQLite, one process owns the file). On PostgreSQL a session's next request may reach another
    /// instance, which this instance would not hear of.
    memos: bool,
}

impl SessionCache {
    /// A cache that starts `live` (SQLite) or waits for its change channel (PostgreSQL).
    pub fn new(live: bool, memos: bool) -> Self {
        SessionCache {
            entries: RwLock::default(),
            generation: AtomicU64::new(0),
            live: AtomicBool::new(live),
            memos,
        }
    }

    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    pub fn memos(&self) -> bool {
        self.memos && self.is_live()
    }

    /// The session with this token hash, when the cache is live and holds it.
    pub fn get(&self, id_hash: &str) -> Option<Arc<CachedSession>> {
        if !self.is_live() {
            return None;
        }
        self.entries.read().ok()?.get(id_hash).cloned()
    }

    /// Read before reading the database; pass to [`SessionCache::insert`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps an entry read from the database, unless anything was invalidated since `generation`.
    /// Returns the entry the cache now holds for the session: one a concurrent look-up has just
    /// kept (still valid: an invalidation would have removed it, and as fresh as this one), or
    /// this one. A held entry that is older (the session was touched since: a new `last_seen_at`)
    /// is replaced, or the cache would go on sending every request to the database.
    pub fn insert(
        &self,
        generation: u64,
        id_hash: String,
        entry: Arc<CachedSession>,
    ) -> Arc<CachedSession> {
        if !self.is_live() {
            return entry;
        }
        if let Ok(mut entries) = self.entries.write()
            && self.generation.load(Ordering::Acquire) == generation
        {
            if let Some(held) = entries.get(&id_hash)
                && held.last_seen_at >= entry.last_seen_at
            {
                return held.clone();
            }
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(id_hash, entry.clone());
        }
        entry
    }

    fn change(&self, f: impl FnOnce(&mut HashMap<String, Arc<CachedSession>>)) {
        match self.entries.write() {
            Ok(mut entries) => {
                self.generation.fetch_add(1, Ordering::AcqRel);
                f(&mut entries);
            }
            Err(poisoned) => {
                // A panic while holding the lock: start afresh rather than trust what is there.
                let mut entries = poisoned.into_inner();
                self.generation.fetch_add(1, Ordering::AcqRel);
                entries.clear();
            }
        }
    }

    /// Drops every cached session of this user.
    pub fn invalidate_user(&self, user_id: i32) {
        self.change(|e| e.retain(|_, s| s.user.id != user_id));
    }

    /// Drops one session (its token hash) that the database no longer has. No generation change:
    /// whatever removed it from the database is an event of its own.
    pub fn remove(&self, id_hash: &str) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(id_hash);
        }
    }

    /// Drops everything.
    pub fn invalidate_all(&self) {
        self.change(HashMap::clear);
    }

    /// Turns the cache on (after the change channel is listening) or off (when it is down).
    /// Either way it starts empty.
    pub fn set_live(&self, live: bool) {
        if !live {
            self.live.store(false, Ordering::Release);
        }
        self.invalidate_all();
        if live {
            self.live.store(true, Ordering::Release);
        }
    }

    /// How many sessions are held (for tests and the benchmark notes).
    pub fn len(&self) -> usize {
        self.entries.read().map_or(0, |e| e.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i32) -> SignedIn {
        SignedIn {
            id,
            name: format!("User {id}"),
            email: format!("u{id}@example.org"),
            role: crate::domain::Role::Learner,
            created_at: Utc::now(),
        }
    }

    fn entry(id: i32) -> Arc<CachedSession> {
        seen_at(id, Utc::now())
    }

    /// An entry for a session of user `id` last seen at `at`.
    fn seen_at(id: i32, at: DateTime<Utc>) -> Arc<CachedSession> {
        Arc::new(CachedSession::new(
            user(id),
            at + Duration::hours(1),
            at,
            false,
            vec![],
        ))
    }

    #[test]
    fn a_fresher_read_of_a_session_replaces_the_older_entry_and_an_equal_one_keeps_it() {
        let cache = SessionCache::new(true, true);
        let old = entry(7);
        let kept = cache.insert(cache.generation(), "s".into(), old.clone());
        assert!(Arc::ptr_eq(&kept, &old));
        let same_read = seen_at(7, old.last_seen_at);
        let kept = cache.insert(cache.generation(), "s".into(), same_read);
        assert!(
            Arc::ptr_eq(&kept, &old),
            "a concurrent read of the same state"
        );
        let touched = seen_at(7, old.last_seen_at + Duration::seconds(61));
        let kept = cache.insert(cache.generation(), "s".into(), touched.clone());
        assert!(Arc::ptr_eq(&kept, &touched));
        let held = cache.get("s").expect("an entry");
        assert!(
            Arc::ptr_eq(&held, &touched),
            "the touched session is what the cache holds"
        );
    }

    #[test]
    fn an_entry_read_while_an_invalidation_happened_is_not_kept() {
        let cache = SessionCache::new(true, true);
        let before = cache.generation();
        cache.invalidate_user(7);
        cache.insert(before, "h".into(), entry(1));
        assert!(cache.get("h").is_none());
        cache.insert(cache.generation(), "h".into(), entry(1));
        assert!(cache.get("h").is_some());
    }

    #[test]
    fn invalidating_a_user_drops_all_their_sessions_and_only_theirs() {
        let cache = SessionCache::new(true, true);
        cache.insert(cache.generation(), "a1".into(), entry(1));
        cache.insert(cache.generation(), "a2".into(), entry(1));
        cache.insert(cache.generation(), "b".into(), entry(2));
        cache.invalidate_user(1);
        assert!(cache.get("a1").is_none() && cache.get("a2").is_none());
        assert!(cache.get("b").is_some());
    }

    #[test]
    fn a_cache_that_is_not_live_answers_nothing_and_keeps_nothing() {
        let cache = SessionCache::new(true, true);
        cache.insert(cache.generation(), "a".into(), entry(1));
        cache.set_live(false);
        assert!(cache.get("a").is_none());
        cache.insert(cache.generation(), "b".into(), entry(2));
        cache.set_live(true);
        assert!(cache.get("a").is_none() && cache.get("b").is_none());
        assert!(!SessionCache::new(true, true).memos() || cache.memos());
        assert!(!SessionCache::new(false, true).memos());
    }

    fn memo(view_id: i32, at: DateTime<Utc>) -> LessonMemo {
        LessonMemo {
            module: "m".into(),
            lesson: "l".into(),
            view_id,
            opened_at: at,
            recorded_at: at,
            completed_at: None,
        }
    }

    #[test]
    fn a_lesson_memo_serves_the_same_lesson_for_a_minute_only() {
        let s = entry(1);
        let t = Utc::now();
        s.remember_lesson(s.memo_epoch(), memo(5, t));
        assert_eq!(
            s.lesson("m", "l", t + Duration::seconds(59))
                .map(|m| m.view_id),
            Some(5)
        );
        assert!(s.lesson("m", "l", t + LESSON_MEMO).is_none());
        assert!(s.lesson("m", "other", t).is_none());
    }

    #[test]
    fn anything_else_the_session_does_drops_the_memo_and_a_view_under_way_cannot_restore_it() {
        let s = entry(1);
        let t = Utc::now();
        let epoch = s.memo_epoch();
        s.remember_lesson(epoch, memo(5, t));
        s.forget_lesson();
        assert!(s.lesson("m", "l", t).is_none());
        s.remember_lesson(epoch, memo(6, t));
        assert!(s.lesson("m", "l", t).is_none(), "an older epoch is refused");
    }

    #[test]
    fn an_earlier_view_finishing_late_does_not_replace_the_later_one() {
        let s = entry(1);
        let t = Utc::now();
        let epoch = s.memo_epoch();
        s.remember_lesson(epoch, memo(9, t));
        s.remember_lesson(epoch, memo(8, t));
        assert_eq!(s.lesson("m", "l", t).map(|m| m.view_id), Some(9));
    }
}
