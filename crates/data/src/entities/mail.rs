//! Mail things: mailboxes and their configuration, messages, clusters, submissions.

use super::Entity;

entity_struct! {
    /// A mailbox (`mailbox`).
    pub struct Mailbox {
        /// The primary SMTP address.
        mailbox_primary_address: Option<String>,
        /// The display name.
        display_name: Option<String>,
        /// The user principal name.
        upn: Option<String>,
        /// The directory object id.
        external_directory_object_id: Option<String>,
        /// The risk level.
        risk_level: Option<String>,
    }
}

entity_struct! {
    /// A mailbox configuration change (`mailbox-configuration`).
    pub struct MailboxConfiguration {
        /// The primary SMTP address.
        mailbox_primary_address: Option<String>,
        /// The display name.
        display_name: Option<String>,
        /// The user principal name.
        upn: Option<String>,
        /// The directory object id.
        external_directory_object_id: Option<String>,
        /// The kind of configuration (forwarding rule, delegation, …).
        config_type: Option<String>,
        /// The configuration id.
        config_id: Option<String>,
    }
}

entity_struct! {
    /// A mail message (`mail-message`).
    pub struct MailMessage {
        /// The recipient.
        recipient: Option<String>,
        /// Attached files.
        files: Vec<Entity>,
        /// URLs in the message.
        urls: Vec<String>,
        /// Threats found.
        threats: Vec<String>,
        /// The sender.
        sender: Option<String>,
        /// The envelope (P1) sender.
        #[serde(rename = "P1Sender")]
        p1_sender: Option<String>,
        /// The envelope sender's display name.
        #[serde(rename = "P1SenderDisplayName")]
        p1_sender_display_name: Option<String>,
        /// The envelope sender's domain.
        #[serde(rename = "P1SenderDomain")]
        p1_sender_domain: Option<String>,
        /// The sending IP.
        #[serde(rename = "SenderIP")]
        sender_ip: Option<String>,
        /// The header (P2) sender.
        #[serde(rename = "P2Sender")]
        p2_sender: Option<String>,
        /// The header sender's display name.
        #[serde(rename = "P2SenderDisplayName")]
        p2_sender_display_name: Option<String>,
        /// The header sender's domain.
        #[serde(rename = "P2SenderDomain")]
        p2_sender_domain: Option<String>,
        /// When it was received.
        received_date: Option<String>,
        /// The Exchange network message id.
        network_message_id: Option<String>,
        /// The Internet message id.
        internet_message_id: Option<String>,
        /// The subject.
        subject: Option<String>,
        /// Inbound, outbound or intra-org.
        antispam_direction: Option<String>,
        /// Delivered, blocked, …
        delivery_action: Option<String>,
        /// Inbox, junk, quarantine, …
        delivery_location: Option<String>,
        /// The detected language.
        language: Option<String>,
        /// How threats were detected.
        threat_detection_methods: Option<String>,
    }
}

entity_struct! {
    /// A cluster of similar messages (`mail-cluster`).
    pub struct MailCluster {
        /// The messages in the cluster.
        network_message_ids: Vec<String>,
        /// Counts by delivery status.
        count_by_delivery_status: Option<serde_json::Map<String, serde_json::Value>>,
        /// Counts by threat type.
        count_by_threat_type: Option<serde_json::Map<String, serde_json::Value>>,
        /// Counts by protection status.
        count_by_protection_status: Option<serde_json::Map<String, serde_json::Value>>,
        /// Threats found.
        threats: Vec<String>,
        /// The query that built the cluster.
        query: Option<String>,
        /// When that query ran.
        query_time: Option<String>,
        /// How many messages.
        mail_count: Option<i64>,
        /// Whether the volume is anomalous.
        is_volume_anomaly: Option<bool>,
        /// The source.
        source: Option<String>,
        /// The cluster source identifier.
        cluster_source_identifier: Option<String>,
        /// The cluster source type.
        cluster_source_type: Option<String>,
        /// The cluster query start.
        cluster_query_start_time: Option<String>,
        /// The cluster query end.
        cluster_query_end_time: Option<String>,
        /// The cluster group.
        cluster_group: Option<String>,
    }
}

entity_struct! {
    /// A message submitted by a user or admin for analysis (`SubmissionMail`).
    pub struct SubmissionMail {
        /// The submission id.
        submission_id: Option<String>,
        /// When it was submitted.
        submission_date: Option<String>,
        /// Who submitted it.
        submitter: Option<String>,
        /// The Exchange network message id.
        network_message_id: Option<String>,
        /// The message time.
        timestamp: Option<String>,
        /// The recipient.
        recipient: Option<String>,
        /// The sender.
        sender: Option<String>,
        /// The sending IP.
        sender_ip: Option<String>,
        /// The subject.
        subject: Option<String>,
        /// Phish, spam, not junk, …
        report_type: Option<String>,
    }
}
