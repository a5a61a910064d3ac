//! The journeys a person takes, through HTTP like a browser: registering, logging in, lessons,
//! modules, the whole course, worksheets, confidence ratings and two-step verification.
use deepdive::course::PromptKind;
use reqwest::StatusCode;

use super::app::TestApp;
use super::html::between;

pub const PASSWORD: &str = "a long enough passphrase";

impl TestApp {
    /// Fills every worksheet with the course's own worked example, through the forms.
    pub async fn fill_worked_example(&self) {
        let course = deepdive::course::load_course(&self.course_dir).unwrap();
        for m in &course.modules {
            let mut fields: Vec<(String, String)> = Vec::new();
            for p in &m.worksheet.prompts {
                match &p.kind {
                    PromptKind::Text => fields.push((p.id.clone(), p.example.clone())),
                    PromptKind::Fields(boxes) => {
                        for b in boxes {
                            fields.push((format!("{}--{}", p.id, b.id), b.example.clone()));
                        }
                    }
                    PromptKind::Table(t) => {
                        for (r, row) in t.example_rows.iter().enumerate() {
                            for (c, value) in t.columns.iter().zip(row) {
                                fields.push((
                                    format!("{}--{}--{}", p.id, r + 1, c.id),
                                    value.clone(),
                                ));
                            }
                        }
                        if let Some(n) = &t.notes {
                            fields.push((format!("{}--notes", p.id), n.example.clone()));
                        }
                    }
                }
            }
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let r = self.save_worksheet(&m.slug, &pairs).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", m.slug);
            assert!(
                r.headers()["location"]
                    .to_str()
                    .unwrap()
                    .ends_with("?saved=1"),
                "{} saved",
                m.slug
            );
        }
    }

    pub async fn register(&self, email: &str, name: &str, password: &str) -> reqwest::Response {
        self.submit(
            "/register",
            "/register",
            &[("email", email), ("name", name), ("password", password)],
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn logout(&self) -> reqwest::Response {
        self.submit("/dashboard", "/logout", &[]).await
    }

    /// Registers a learner (logged in afterwards) and returns their e-mail.
    pub async fn new_learner(&self) -> String {
        let email = format!("learner{}@example.nhs.uk", uuid::Uuid::new_v4().simple());
        let r = self.register(&email, "Test Learner", PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        email
    }

    pub async fn complete_lesson(&self, module: &str, lesson: &str) -> reqwest::Response {
        let page = format!("/modules/{module}/lessons/{lesson}");
        self.submit(&page, &format!("{page}/complete"), &[]).await
    }

    /// Completes every lesson and passes every quiz.
    pub async fn complete_course(&self) {
        let course = deepdive::course::load_course(&self.course_dir).unwrap();
        for m in &course.modules {
            for l in &m.lessons {
                let r = self.complete_lesson(&m.slug, &l.slug).await;
                assert_eq!(r.status(), StatusCode::SEE_OTHER);
            }
            let n = m.quiz.settings.questions_per_attempt;
            let r = self.take_quiz(&m.slug, n).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "quiz of {}", m.slug);
        }
    }

    /// The learner's current certificate code (from /certificate).
    pub async fn certificate_code(&self) -> Option<String> {
        let html = self.get_html("/certificate").await;
        let marker = "href=\"/certificates/";
        let start = html.find(marker)? + marker.len();
        let end = html[start..].find(".pdf")?;
        Some(html[start..start + end].to_string())
    }

    /// Sets up two-step verification for the user logged in in this browser, as they would with an
    /// authenticator app; returns the secret and the recovery codes shown once.
    pub async fn enrol_mfa(&self) -> (String, Vec<String>) {
        let html = self.get_html("/account/mfa").await;
        let secret = between(&html, "<code class=\"dd-secret\">", "</code>").replace(' ', "");
        let code = self.totp_now(&secret);
        let r = self
            .submit("/account/mfa", "/account/mfa/enable", &[("code", &code)])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let page = r.text().await.unwrap();
        let codes = page
            .split("<li><code>")
            .skip(1)
            .map(|c| c.split("</code>").next().unwrap().to_string())
            .collect();
        (secret, codes)
    }

    /// The code an authenticator app shows for `secret` at the app's clock.
    pub fn totp_now(&self, secret: &str) -> String {
        use deepdive::services::mfa;
        mfa::code_for_step(secret, mfa::step_at(self.clock.now())).unwrap()
    }
    /// Saves a module's worksheet like a browser: fields are `(prompt id, answer)`.
    pub async fn save_worksheet(
        &self,
        module: &str,
        answers: &[(&str, &str)],
    ) -> reqwest::Response {
        let page = format!("/modules/{module}/worksheet");
        let fields: Vec<(String, &str)> = answers
            .iter()
            .map(|(id, text)| (format!("answer-{id}"), *text))
            .collect();
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        self.submit(&page, &page, &pairs).await
    }

    /// Rates every confidence statement of the course with the same rating, for `phase` ("before" or
    /// "after"), with the CSRF token from the dashboard (so it also works when the form is not open).
    pub async fn rate_confidence(&self, phase: &str, rating: &str) -> reqwest::Response {
        let course = deepdive::course::load_course(&self.course_dir).unwrap();
        let fields: Vec<(String, &str)> = course
            .confidence
            .iter()
            .map(|s| (format!("rating-{}", s.id), rating))
            .collect();
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        self.submit("/dashboard", &format!("/confidence/{phase}"), &pairs)
            .await
    }

    /// Completes every lesson of a module and passes its quiz.
    pub async fn complete_module(&self, module: &str) {
        let course = deepdive::course::load_course(&self.course_dir).unwrap();
        let m = course.module(module).unwrap();
        for l in &m.lessons {
            let r = self.complete_lesson(module, &l.slug).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
        let r = self
            .take_quiz(module, m.quiz.settings.questions_per_attempt)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
}
