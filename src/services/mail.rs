//! Optional e-mail (SMTP through lettre), used to send admin-issued reset links when the operator
//! has configured `DEEPDIVE_SMTP_URL` and `DEEPDIVE_SMTP_FROM`.
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Sends a plain-text e-mail.
///
/// # Errors
/// When an address is not valid, or the SMTP server refuses or cannot be reached.
pub async fn send(
    smtp_url: &str,
    from: &str,
    to_name: &str,
    to_email: &str,
    subject: &str,
    body: String,
) -> anyhow::Result<()> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| anyhow::anyhow!("DEEPDIVE_SMTP_FROM is not an e-mail address: {e}"))?;
    let to = Mailbox::new(
        Some(to_name.to_string()),
        to_email
            .parse()
            .map_err(|e| anyhow::anyhow!("recipient address: {e}"))?,
    );
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| anyhow::anyhow!("building the e-mail: {e}"))?;
    let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
        .map_err(|e| anyhow::anyhow!("DEEPDIVE_SMTP_URL: {e}"))?
        .timeout(Some(std::time::Duration::from_secs(15)))
        .build();
    mailer
        .send(message)
        .await
        .map_err(|e| anyhow::anyhow!("sending the e-mail: {e}"))?;
    Ok(())
}
