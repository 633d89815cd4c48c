//! Files for the bank (issue 25): a batch of payments as an ISO 20022
//! customer credit transfer initiation (pain.001.001.03); the plain CSV is
//! written by the web layer's one CSV writer. Pure: the same batch always gives the same bytes, so a file
//! downloaded twice is the same file.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::money::Currency;

/// One credit transfer of a batch.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// The reference the bank returns on its statement (at most 35).
    pub end_to_end: String,
    pub amount: Decimal,
    pub payee_name: String,
    pub payee_bank: String,
    pub payee_account: String,
    /// What the grantee reads on its statement (at most 140).
    pub remittance: String,
}

/// A batch: who pays, from which account, in which currency, when.
#[derive(Debug, Clone)]
pub struct BatchFile {
    pub message_id: String,
    pub created_at: DateTime<Utc>,
    /// The fund (initiating party).
    pub initiator: String,
    pub debtor_name: String,
    pub debtor_account: String,
    pub debtor_bank: String,
    pub debtor_bic: String,
    pub currency: Currency,
    pub transfers: Vec<Transfer>,
}

impl BatchFile {
    pub fn total(&self) -> Decimal {
        self.transfers.iter().map(|t| t.amount).sum()
    }
}

/// An account number as banks read it: letters and digits only (spaces and
/// hyphens people type are dropped), upper case.
pub fn account_id(number: &str) -> String {
    number
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Whether an account number fits a bank file (ISO 20022 `Max34Text`).
pub fn account_fits(number: &str) -> bool {
    let id = account_id(number);
    !id.is_empty() && id.len() <= 34
}

/// Whether `bic` is a BIC (ISO 9362: bank, country, location, branch).
pub fn is_bic(bic: &str) -> bool {
    let b = bic.as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && (b[6].is_ascii_uppercase() || (b'2'..=b'9').contains(&b[6]))
        && (b[7].is_ascii_uppercase() && b[7] != b'O' || b[7].is_ascii_digit())
        && b[8..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Text as ISO 20022 `MaxNText` takes it: control characters gone, spaces
/// collapsed, at most `max` characters, never empty.
fn text(value: &str, max: usize) -> String {
    let words: Vec<&str> = value.split_whitespace().collect();
    let joined: String = words
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let cut: String = joined.chars().take(max).collect();
    if cut.trim().is_empty() {
        "-".to_string()
    } else {
        cut.trim_end().to_string()
    }
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `<tag>text</tag>`, escaped, cut to `max`.
fn element(out: &mut String, tag: &str, value: &str, max: usize) {
    out.push('<');
    out.push_str(tag);
    out.push('>');
    out.push_str(&escape(&text(value, max)));
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// An amount as the file writes it: two decimals, no grouping.
pub fn amount(value: Decimal) -> String {
    format!("{:.2}", value.round_dp(2))
}

fn agent(out: &mut String, bic: &str, bank: &str) {
    out.push_str("<FinInstnId>");
    if is_bic(bic) {
        element(out, "BIC", bic, 11);
    }
    element(out, "Nm", bank, 140);
    out.push_str("</FinInstnId>");
}

fn account(out: &mut String, number: &str) {
    out.push_str("<Id><Othr>");
    element(out, "Id", &account_id(number), 34);
    out.push_str("</Othr></Id>");
}

/// The batch as pain.001.001.03, one payment information block, amounts in
/// the batch's currency.
pub fn pain001(batch: &BatchFile) -> String {
    let count = batch.transfers.len().to_string();
    let total = amount(batch.total());
    let created = batch.created_at.format("%Y-%m-%dT%H:%M:%S").to_string();
    let execution = (batch.created_at + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string();
    let mut x = String::with_capacity(1024 + 600 * batch.transfers.len());
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n");
    x.push_str("<CstmrCdtTrfInitn>\n<GrpHdr>");
    element(&mut x, "MsgId", &batch.message_id, 35);
    element(&mut x, "CreDtTm", &created, 35);
    element(&mut x, "NbOfTxs", &count, 15);
    element(&mut x, "CtrlSum", &total, 40);
    x.push_str("<InitgPty>");
    element(&mut x, "Nm", &batch.initiator, 140);
    x.push_str("</InitgPty></GrpHdr>\n<PmtInf>");
    element(&mut x, "PmtInfId", &batch.message_id, 35);
    element(&mut x, "PmtMtd", "TRF", 3);
    element(&mut x, "NbOfTxs", &count, 15);
    element(&mut x, "CtrlSum", &total, 40);
    element(&mut x, "ReqdExctnDt", &execution, 10);
    x.push_str("<Dbtr>");
    element(&mut x, "Nm", &batch.debtor_name, 140);
    x.push_str("</Dbtr><DbtrAcct>");
    account(&mut x, &batch.debtor_account);
    element(&mut x, "Ccy", batch.currency.code(), 3);
    x.push_str("</DbtrAcct><DbtrAgt>");
    agent(&mut x, &batch.debtor_bic, &batch.debtor_bank);
    x.push_str("</DbtrAgt>\n");
    for t in &batch.transfers {
        x.push_str("<CdtTrfTxInf><PmtId>");
        element(&mut x, "EndToEndId", &t.end_to_end, 35);
        x.push_str("</PmtId><Amt><InstdAmt Ccy=\"");
        x.push_str(batch.currency.code());
        x.push_str("\">");
        x.push_str(&amount(t.amount));
        x.push_str("</InstdAmt></Amt><CdtrAgt>");
        agent(&mut x, "", &t.payee_bank);
        x.push_str("</CdtrAgt><Cdtr>");
        element(&mut x, "Nm", &t.payee_name, 140);
        x.push_str("</Cdtr><CdtrAcct>");
        account(&mut x, &t.payee_account);
        x.push_str("</CdtrAcct><RmtInf>");
        element(&mut x, "Ustrd", &t.remittance, 140);
        x.push_str("</RmtInf></CdtTrfTxInf>\n");
    }
    x.push_str("</PmtInf>\n</CstmrCdtTrfInitn>\n</Document>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn batch() -> BatchFile {
        BatchFile {
            message_id: "BG-B7".into(),
            created_at: Utc.with_ymd_and_hms(2026, 12, 8, 2, 30, 0).unwrap(),
            initiator: "灣區公益創投基金".into(),
            debtor_name: "Bay Fund <Ltd> & Co".into(),
            debtor_account: "012-345 678".into(),
            debtor_bank: "Bank of Macau".into(),
            debtor_bic: "BKMOMOMX".into(),
            currency: Currency::Mop,
            transfers: vec![
                Transfer {
                    end_to_end: "BG-P1".into(),
                    amount: Decimal::new(3_520_000, 2),
                    payee_name: "長者關懷協會".into(),
                    payee_bank: "中國銀行".into(),
                    payee_account: "6217 0000 1234".into(),
                    remittance: "Tranche 1\u{7}".into(),
                },
                Transfer {
                    end_to_end: "BG-P2".into(),
                    amount: Decimal::new(1, 1),
                    payee_name: "   ".into(),
                    payee_bank: "HSBC".into(),
                    payee_account: "ab-12".into(),
                    remittance: "x".repeat(300),
                },
            ],
        }
    }

    #[test]
    fn the_file_counts_and_sums_its_transfers_and_escapes_what_people_typed() {
        let x = pain001(&batch());
        assert!(x.contains("<NbOfTxs>2</NbOfTxs><CtrlSum>35200.10</CtrlSum>"));
        assert!(x.contains("<Nm>Bay Fund &lt;Ltd&gt; &amp; Co</Nm>"));
        assert!(x.contains("<InstdAmt Ccy=\"MOP\">35200.00</InstdAmt>"));
        assert!(x.contains("<InstdAmt Ccy=\"MOP\">0.10</InstdAmt>"));
        assert!(x.contains("<Othr><Id>0123456780</Id>"), "{x}");
        assert!(x.contains("<Othr><Id>AB12</Id>"));
        assert!(x.contains("<BIC>BKMOMOMX</BIC>"));
        assert!(
            x.contains("<Ustrd>Tranche 1</Ustrd>"),
            "control characters go"
        );
        assert!(x.contains(&format!("<Ustrd>{}</Ustrd>", "x".repeat(140))));
        assert!(x.contains("<Cdtr><Nm>-</Nm></Cdtr>"), "never an empty name");
        assert!(x.contains("<ReqdExctnDt>2026-12-08</ReqdExctnDt>"));
        assert_eq!(x, pain001(&batch()), "the same batch, the same file");
    }

    #[test]
    fn bics_and_account_numbers_are_checked_as_banks_read_them() {
        assert!(is_bic("BKMOMOMX"));
        assert!(is_bic("HSBCHKHHHKH"));
        assert!(!is_bic("BKMOMOM"));
        assert!(!is_bic("bkmomomx"));
        assert!(!is_bic("BKMOMO1X"));
        assert!(
            !is_bic("BKMOMOMO"),
            "O is not a location code's second letter"
        );
        assert!(account_fits("012-345 678"));
        assert!(!account_fits(&"1".repeat(35)));
        assert!(!account_fits(" - "));
    }
}
