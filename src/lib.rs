//! deepdive: a self-paced course server for the NHS AI Lab Skunkworks "AI Deep Dive".
pub mod cli;
pub mod clock;
pub mod config;
pub mod course;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod entities;
pub mod error;
pub mod messages;
pub mod pdf;
pub mod proxies;
pub mod scorm;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod web;
