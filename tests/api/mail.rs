//! E-mail through the durable outbox, against a real SMTP server on loopback (aiosmtpd, started by
//! each test from tests/smtp/sink.py; `.ci/install-aiosmtpd.sh` installs it).
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::Duration;
use deepdive::entities::outbox;
use deepdive::messages::{Kind, Letter};
use deepdive::services::outbox as ob;
use deepdive::services::reminders::{self, Pass};
use sea_orm::{EntityTrait, QueryOrder};

use crate::helpers::*;

/// The SMTP server of one test, and the folder where it writes what it accepts.
pub struct SmtpSink {
    server: PythonServer,
    pub port: u16,
}

/// One message as the SMTP server received it (headers and decoded parts).
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub list_unsubscribe: String,
    pub list_unsubscribe_post: String,
    pub text: String,
    pub html: String,
}

impl SmtpSink {
    /// Starts the server, or returns `None` (after one line saying what to install) when Python's
    /// aiosmtpd is missing, unless `DEEPDIVE_REQUIRE_EXTERNAL=1` makes that a failure.
    pub fn start() -> Option<SmtpSink> {
        let server = PythonServer::start(
            "smtp/sink.py",
            "aiosmtpd",
            "pip install -r tests/smtp/requirements.txt",
            "run .ci/install-aiosmtpd.sh",
        )?;
        let port = server.port;
        Some(SmtpSink { server, port })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Makes the server answer every RCPT TO with `answer` (e.g. "451 4.3.0 Try again later").
    pub fn refuse(&self, answer: &str) {
        std::fs::write(self.server.dir.path().join("refuse"), answer).unwrap();
    }

    pub fn accept(&self) {
        let _ = std::fs::remove_file(self.server.dir.path().join("refuse"));
    }

    /// Makes the server wait this long before answering each RCPT TO.
    pub fn delay_rcpt(&self, seconds: f64) {
        std::fs::write(
            self.server.dir.path().join("delay-rcpt"),
            seconds.to_string(),
        )
        .unwrap();
    }

    /// Everything received so far, in the order it arrived.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.server.dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                Received {
                    to: s("to"),
                    subject: s("subject"),
                    message_id: s("message_id"),
                    list_unsubscribe: s("list_unsubscribe"),
                    list_unsubscribe_post: s("list_unsubscribe_post"),
                    text: s("text"),
                    html: s("html"),
                }
            })
            .collect()
    }

    /// What arrived for one address.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.contains(address))
            .collect()
    }
}

pub const FROM: &str = "AI Deep Dive <noreply@deepdive.test>";

/// The app with e-mail set up to go to `sink`.
pub async fn app_with_mail(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |s| {
        s.smtp = Some((url, FROM.to_string()));
    })
    .await
}

pub fn pass(app: &TestApp) -> Pass<'_> {
    Pass {
        db: &app.state.db,
        course: &app.state.course,
        templates: &app.state.templates,
        settings: &app.state.settings,
        clock: &app.clock,
    }
}

/// Keeps a message's text and HTML in `test-output/mail/` to read as a learner would.
pub fn keep_sample(name: &str, m: &Received) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-output/mail");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{name}.txt")),
        format!("Subject: {}\n\n{}", m.subject, m.text),
    )
    .unwrap();
    std::fs::write(dir.join(format!("{name}.html")), &m.html).unwrap();
}

/// Waits until nothing in the outbox is waiting or being sent (a request may have started a send
/// in the background), sending what is due meanwhile.
pub async fn settle(app: &TestApp) {
    for _ in 0..500 {
        reminders::deliver(&pass(app)).await.unwrap();
        let busy = rows(app).await.iter().any(|r| {
            r.status == "sending" || (r.status == "pending" && r.next_attempt_at <= app.clock.now())
        });
        if !busy {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the outbox did not settle");
}

/// A link from an e-mail as this test's client can follow it (the test app's base URL has port 0).
pub fn local(app: &TestApp, link: &str) -> String {
    link.replace("http://127.0.0.1:0", &app.address)
}

/// Writes a plain service message to `to` straight into the outbox.
async fn enqueue(app: &TestApp, key: &str, to: &str) {
    let letter = Letter {
        kind: Kind::PasswordReset,
        subject: format!("test message {key}"),
        name: "Ann Example".into(),
        paragraphs: vec!["A paragraph.".into()],
        action: None,
        why: "Because this is a test.".into(),
        unsubscribe_url: None,
        preferences_url: None,
    };
    let msg = reminders::compose(
        &app.state.templates,
        &app.state.course.title,
        key.into(),
        None,
        to,
        &letter,
    )
    .unwrap();
    assert!(
        ob::enqueue(&app.db, msg, "deepdive.test", app.clock.now())
            .await
            .unwrap()
    );
}

async fn rows(app: &TestApp) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .order_by_asc(outbox::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_message_arrives_once_with_the_servers_answer_recorded_and_a_second_pass_sends_nothing()
 {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    for i in 0..3 {
        enqueue(&app, &format!("k{i}"), &format!("person{i}@example.nhs.uk")).await;
    }

    let first = reminders::deliver(&pass(&app)).await.unwrap();
    let second = reminders::deliver(&pass(&app)).await.unwrap();

    assert_eq!(first.sent, 3);
    assert_eq!(second, ob::Delivered::default());
    let got = sink.received();
    assert_eq!(got.len(), 3, "{got:?}");
    for i in 0..3 {
        assert_eq!(sink.to(&format!("person{i}@example.nhs.uk")).len(), 1);
    }
    for row in rows(&app).await {
        assert_eq!(row.status, "sent");
        assert_eq!(row.attempts, 1);
        let answer = row.smtp_response.unwrap();
        assert!(answer.starts_with("250"), "{answer}");
        assert!(answer.contains("queued as"), "{answer}");
    }
}

#[tokio::test]
async fn the_same_key_is_written_to_the_outbox_only_once() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    enqueue(&app, "once", "a@example.nhs.uk").await;
    let letter = Letter {
        kind: Kind::Overdue,
        subject: "again".into(),
        name: "Ann".into(),
        paragraphs: vec![],
        action: None,
        why: String::new(),
        unsubscribe_url: None,
        preferences_url: None,
    };
    let again = reminders::compose(
        &app.state.templates,
        "x",
        "once".into(),
        None,
        "a@example.nhs.uk",
        &letter,
    )
    .unwrap();

    let written = ob::enqueue(&app.db, again, "deepdive.test", app.clock.now())
        .await
        .unwrap();

    assert!(!written);
    assert_eq!(rows(&app).await.len(), 1);
}

#[tokio::test]
async fn a_refusing_server_is_retried_with_growing_waits_and_then_the_message_is_dead_lettered_with_its_answer()
 {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    sink.refuse("451 4.3.0 Mailbox busy, try later");
    let app = app_with_mail(&sink).await;
    enqueue(&app, "refused", "busy@example.nhs.uk").await;

    let first = reminders::deliver(&pass(&app)).await.unwrap();
    let at_once = reminders::deliver(&pass(&app)).await.unwrap();
    let row = rows(&app).await.remove(0);
    assert_eq!((first.retrying, at_once), (1, ob::Delivered::default()));
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
    assert!(row.next_attempt_at > app.clock.now() + Duration::seconds(90));
    let mut dead = 0;
    for _ in 0..ob::MAX_ATTEMPTS + 2 {
        app.clock.advance(Duration::hours(7));
        dead += reminders::deliver(&pass(&app)).await.unwrap().dead;
    }

    let row = rows(&app).await.remove(0);
    assert_eq!(dead, 1);
    assert_eq!(row.status, "dead");
    assert_eq!(row.attempts, ob::MAX_ATTEMPTS);
    assert!(
        row.last_error.as_deref().unwrap().contains("Mailbox busy"),
        "{:?}",
        row.last_error
    );
    assert!(sink.received().is_empty());
    // Once dead it stays dead, even when the server accepts again.
    sink.accept();
    app.clock.advance(Duration::hours(7));
    assert_eq!(reminders::deliver(&pass(&app)).await.unwrap().sent, 0);
}

#[tokio::test]
async fn a_permanent_refusal_or_an_invalid_address_is_dead_lettered_at_once_with_the_reason() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    enqueue(&app, "bad", "not an address").await;
    let d = reminders::deliver(&pass(&app)).await.unwrap();
    sink.refuse("550 5.1.1 No such user here");
    enqueue(&app, "unknown", "nobody@example.nhs.uk").await;
    let e = reminders::deliver(&pass(&app)).await.unwrap();

    assert_eq!((d.dead, e.dead), (1, 1));
    let r = rows(&app).await;
    assert!(r.iter().all(|m| m.status == "dead" && m.attempts == 1));
    assert!(r[0].last_error.as_deref().unwrap().contains("address"));
    assert!(r[1].last_error.as_deref().unwrap().contains("No such user"));
}

#[tokio::test]
async fn a_sender_killed_in_the_middle_of_sending_loses_nothing_and_sends_nothing_twice() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with_mail(&sink).await;
    let n = 12;
    for i in 0..n {
        enqueue(&app, &format!("k{i}"), &format!("p{i}@example.nhs.uk")).await;
    }
    // Each message waits at RCPT TO, so that the kill lands while one is in flight.
    sink.delay_rcpt(0.4);
    let mut sender = Command::new(env!("CARGO_BIN_EXE_deepdive"));
    sender
        .arg("send-reminders")
        .env("DEEPDIVE_DATA_DIR", &app.data_dir)
        .env("DEEPDIVE_COURSE_DIR", &app.course_dir)
        .env("DEEPDIVE_SMTP_URL", sink.url())
        .env("DEEPDIVE_SMTP_FROM", FROM)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match &app.database_url {
        Some(url) => sender.env("DATABASE_URL", url),
        None => sender.env_remove("DATABASE_URL"),
    };
    let mut child = sender.spawn().unwrap();

    // SIGKILL once four are marked sent: the fifth is then between MAIL FROM and its 250.
    loop {
        let sent = rows(&app)
            .await
            .iter()
            .filter(|r| r.status == "sent")
            .count();
        if sent >= 4 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sender ended early"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let after_kill = sink.received().len();
    // Another sender takes over the dead one's claims once their lease has run out.
    sink.delay_rcpt(0.0);
    let early = reminders::deliver(&pass(&app)).await.unwrap();
    app.clock.advance(Duration::minutes(ob::LEASE_MINUTES + 1));
    let recovered = reminders::deliver(&pass(&app)).await.unwrap();

    assert!(
        (4..n).contains(&after_kill),
        "{after_kill} arrived before the kill"
    );
    let batch = ob::BATCH as usize;
    assert_eq!(
        early.sent as usize,
        n - batch,
        "only messages outside the dead sender's claim go before its lease runs out"
    );
    assert_eq!(recovered.sent as usize, batch - 4);
    let got = sink.received();
    assert_eq!(got.len(), n, "every message once: {got:#?}");
    let mut ids: Vec<_> = got.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
    for i in 0..n {
        assert_eq!(sink.to(&format!("p{i}@example.nhs.uk")).len(), 1, "p{i}");
    }
    assert!(rows(&app).await.iter().all(|r| r.status == "sent"));
}

#[tokio::test]
async fn without_smtp_settings_the_pass_queues_and_sends_nothing() {
    let app = spawn_app().await;
    let report = reminders::run_pass(&pass(&app), false).await.unwrap();
    assert_eq!(report.queued, 0);
    assert!(rows(&app).await.is_empty());
}

#[tokio::test]
async fn two_senders_claiming_at_once_never_take_the_same_message() {
    let app = spawn_app().await;
    let n = 40;
    for i in 0..n {
        let letter = Letter {
            kind: Kind::PasswordReset,
            subject: "s".into(),
            name: "n".into(),
            paragraphs: vec![],
            action: None,
            why: String::new(),
            unsubscribe_url: None,
            preferences_url: None,
        };
        let msg = reminders::compose(
            &app.state.templates,
            "t",
            format!("c{i}"),
            None,
            "a@example.nhs.uk",
            &letter,
        )
        .unwrap();
        ob::enqueue(&app.db, msg, "deepdive.test", app.clock.now())
            .await
            .unwrap();
    }

    let claimer = |db: sea_orm::DatabaseConnection, now| async move {
        let mut mine = Vec::new();
        loop {
            let (_, batch) = ob::claim(&db, now, 3).await.unwrap();
            if batch.is_empty() {
                return mine;
            }
            mine.extend(batch.into_iter().map(|m| m.id));
        }
    };
    let now = app.clock.now();
    let (a, b) = tokio::join!(
        tokio::spawn(claimer(app.db.clone(), now)),
        tokio::spawn(claimer(app.db.clone(), now))
    );
    let (a, b) = (a.unwrap(), b.unwrap());

    let mut all: Vec<i32> = a.iter().chain(b.iter()).copied().collect();
    all.sort();
    let claimed = all.len();
    all.dedup();
    assert_eq!(claimed, n, "each claimed exactly once: {a:?} {b:?}");
    assert_eq!(all.len(), n);
}
