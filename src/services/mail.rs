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

/// Why one message was not delivered.
#[derive(Debug)]
pub struct DeliveryFailure {
    /// True when trying again cannot help (a 5xx answer, an address that is not one).
    pub permanent: bool,
    pub reason: String,
}

/// A message as the outbox hands it to the transport.
pub struct Outgoing<'a> {
    pub to_name: &'a str,
    pub to_address: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub message_id: &'a str,
    pub unsubscribe_url: Option<&'a str>,
}

/// The SMTP transport and From address, built once from `DEEPDIVE_SMTP_URL` / `DEEPDIVE_SMTP_FROM`.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// # Errors
    /// When the URL or the From address cannot be understood.
    pub fn new(smtp_url: &str, from: &str) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("DEEPDIVE_SMTP_FROM is not an e-mail address: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| anyhow::anyhow!("DEEPDIVE_SMTP_URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        Ok(Self { transport, from })
    }

    /// The domain of the From address (for `Message-ID`s).
    pub fn domain(&self) -> String {
        self.from.email.domain().to_string()
    }

    /// Sends one message (text and HTML alternatives) and returns the server's answer.
    ///
    /// # Errors
    /// A [`DeliveryFailure`] saying whether a retry may help.
    pub async fn deliver(&self, m: &Outgoing<'_>) -> Result<String, DeliveryFailure> {
        use lettre::message::MultiPart;
        use lettre::message::header::{HeaderName, HeaderValue};
        let permanent = |reason: String| DeliveryFailure {
            permanent: true,
            reason,
        };
        let address = m
            .to_address
            .parse()
            .map_err(|e| permanent(format!("the recipient address is not valid: {e}")))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(m.to_name.to_string()), address))
            .subject(m.subject)
            .message_id(Some(m.message_id.to_string()));
        if let Some(url) = m.unsubscribe_url {
            let name = |n: &str| {
                HeaderName::new_from_ascii(n.to_string())
                    .map_err(|e| permanent(format!("header {n}: {e}")))
            };
            builder = builder
                .raw_header(HeaderValue::new(
                    name("List-Unsubscribe")?,
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    name("List-Unsubscribe-Post")?,
                    "List-Unsubscribe=One-Click".to_string(),
                ));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                m.text.to_string(),
                m.html.to_string(),
            ))
            .map_err(|e| permanent(format!("the message could not be built: {e}")))?;
        match self.transport.send(message).await {
            Ok(response) => Ok(format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            )),
            Err(e) => Err(DeliveryFailure {
                permanent: e.is_permanent(),
                reason: e.to_string(),
            }),
        }
    }
}
