//! End-to-end tests in a real browser: headless Chromium driven through Debian's chromedriver.
//! Each test starts the application in-process (random port, fresh database) and its own
//! chromedriver, walks a journey as a person would, and checks every page state on the way with
//! axe-core (WCAG 2.2 AA), a 320-px reflow check and screenshots at desktop and phone widths
//! (saved in test-output/browser/). Without Chromium, ChromeDriver or axe-core they skip, with one
//! line saying what to install; DEEPDIVE_REQUIRE_BROWSER=1 (set by CI) makes that a failure.
//! DEEPDIVE_SKIP_BROWSER_TESTS=1 skips them even when everything is installed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The HTTP helpers of the API tests: app start-up, registration, quiz answers from the course files.
#[allow(dead_code, unused_imports)]
#[path = "../api/helpers/mod.rs"]
mod helpers;

mod browser;

// The real OpenID provider the single sign-on journey signs in through.
#[path = "../oidc/provider.rs"]
mod oidc;

mod certificate;
mod journeys;
mod keyboard;
mod learner_journey;
mod mail;
mod org_admin;
mod plan;
mod sso;
