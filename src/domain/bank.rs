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
    format!("{:.2}", super::money::round_cents(value))
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

/// What a bank's statement says of one of our payments: paid, or sent
/// back with the bank's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// Where in the file (the entry's or row's number, from 1).
    pub line: usize,
    /// The account the statement is for, as banks read it.
    pub account: String,
    pub end_to_end: String,
    pub amount: Decimal,
    pub currency: String,
    pub returned: bool,
    /// The bank's reason for a return (its code and words).
    pub reason: String,
}

crate::domain::code::codes! {
    /// What a statement's line did.
    pub enum StatementOutcome {
        /// It settled a sent payment.
        Settled = "settled",
        /// It reported a sent payment's return, for a checker.
        ReturnReported = "return_reported",
        /// It said what was recorded already: nothing changed.
        Already = "already",
        /// It matched no payment that could take it: a person decides.
        Unmatched = "unmatched",
    }
}

/// The most lines one statement may carry.
pub const MAX_STATEMENT_LINES: usize = 20_000;

/// Reads a statement: ISO 20022 camt.053 (XML) or the plain CSV
/// (`account,end_to_end_id,amount,currency,status,reason`, status `paid` or
/// `returned`). A refusal is a catalogue key; nothing is read in part.
pub fn parse_statement(bytes: &[u8]) -> Result<Vec<StatementLine>, &'static str> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    let lines = match first {
        Some(b'<') => parse_camt053(text)?,
        Some(_) => parse_statement_csv(text)?,
        None => return Err("err-statement-empty"),
    };
    if lines.is_empty() {
        return Err("err-statement-empty");
    }
    Ok(lines)
}

#[derive(Default)]
struct Entry {
    amount: Option<(Decimal, String)>,
    debit: bool,
    reversal: bool,
    booked: bool,
    info: String,
    txs: Vec<Tx>,
}

#[derive(Default)]
struct Tx {
    end_to_end: String,
    amount: Option<(Decimal, String)>,
    returned: bool,
    code: String,
    info: String,
}

/// The camt.053 elements read, by where they sit.
enum Field {
    Account,
    EntryAmount,
    Direction,
    Reversal,
    Status,
    EntryInfo,
    EndToEnd,
    TxAmount,
    ReturnCode,
    ReturnInfo,
}

fn field_of(path: &[String]) -> Option<Field> {
    let at = |tail: &[&str]| ends(path, tail);
    Some(
        if at(&["Stmt", "Acct", "Id", "IBAN"]) || at(&["Stmt", "Acct", "Id", "Othr", "Id"]) {
            Field::Account
        } else if at(&["Ntry", "Amt"]) {
            Field::EntryAmount
        } else if at(&["Ntry", "CdtDbtInd"]) {
            Field::Direction
        } else if at(&["Ntry", "RvslInd"]) {
            Field::Reversal
        } else if at(&["Ntry", "Sts"]) || at(&["Ntry", "Sts", "Cd"]) {
            Field::Status
        } else if at(&["Ntry", "AddtlNtryInf"]) {
            Field::EntryInfo
        } else if at(&["TxDtls", "Refs", "EndToEndId"]) {
            Field::EndToEnd
        } else if at(&["TxDtls", "AmtDtls", "TxAmt", "Amt"]) || at(&["TxDtls", "Amt"]) {
            Field::TxAmount
        } else if at(&["TxDtls", "RtrInf", "Rsn", "Cd"]) {
            Field::ReturnCode
        } else if at(&["TxDtls", "RtrInf", "AddtlInf"]) {
            Field::ReturnInfo
        } else {
            return None;
        },
    )
}

fn ends(path: &[String], tail: &[&str]) -> bool {
    path.len() >= tail.len()
        && path[path.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a == b)
}

fn decimal(text: &str) -> Result<Decimal, &'static str> {
    let t = text.trim();
    if t.is_empty() || t.len() > 24 || !t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err("err-statement-amount");
    }
    t.parse::<Decimal>()
        .ok()
        .filter(|v| v.scale() <= 5 && *v < Decimal::from(1_000_000_000_000_i64))
        .ok_or("err-statement-amount")
}

/// camt.053 (any version from .001.02): each booked transaction of each
/// entry with our end-to-end reference. A debit is a payment made; a
/// credit, a reversal or a transaction with return information is a
/// payment sent back. Document type declarations (and so every entity
/// but XML's own five) are refused.
pub fn parse_camt053(bytes: &[u8]) -> Result<Vec<StatementLine>, &'static str> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut ccy = String::new();
    let mut account = String::new();
    let mut entry: Option<Entry> = None;
    let mut tx: Option<Tx> = None;
    let mut entries = 0usize;
    let mut out = Vec::new();
    let malformed = |_| "err-statement-malformed";
    loop {
        match reader.read_event_into(&mut buf).map_err(malformed)? {
            Event::Eof => break,
            Event::DocType(_) => return Err("err-statement-doctype"),
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.is_empty() && name != "Document" {
                    return Err("err-statement-format");
                }
                if path.len() > 32 {
                    return Err("err-statement-malformed");
                }
                match name.as_str() {
                    "Ntry" => {
                        entries += 1;
                        entry = Some(Entry::default());
                    }
                    "TxDtls" if entry.is_some() => tx = Some(Tx::default()),
                    "RtrInf" => {
                        if let Some(t) = tx.as_mut() {
                            t.returned = true;
                        }
                    }
                    "Amt" => {
                        ccy = match e
                            .try_get_attribute("Ccy")
                            .map_err(|_| "err-statement-malformed")?
                        {
                            Some(a) => a
                                .unescape_value()
                                .map_err(|_| "err-statement-malformed")?
                                .into_owned(),
                            None => String::new(),
                        };
                    }
                    _ => {}
                }
                text.clear();
                path.push(name);
            }
            Event::Empty(e) if path.is_empty() && e.local_name().as_ref() != b"Document" => {
                return Err("err-statement-format");
            }
            Event::Text(t) => text.push_str(&t.decode().map_err(|_| "err-statement-malformed")?),
            Event::CData(t) => text.push_str(&t.decode().map_err(|_| "err-statement-malformed")?),
            Event::GeneralRef(r) => {
                let c = match r
                    .resolve_char_ref()
                    .map_err(|_| "err-statement-malformed")?
                {
                    Some(c) => c,
                    None => match &*r {
                        b"amp" => '&',
                        b"lt" => '<',
                        b"gt" => '>',
                        b"quot" => '"',
                        b"apos" => '\'',
                        _ => return Err("err-statement-malformed"),
                    },
                };
                text.push(c);
            }
            Event::End(_) => {
                let value = std::mem::take(&mut text);
                let value = value.trim();
                match (field_of(&path), entry.as_mut(), tx.as_mut()) {
                    (Some(Field::Account), _, _) => account = account_id(value),
                    (Some(Field::EntryAmount), Some(en), _) => {
                        en.amount = Some((decimal(value)?, ccy.clone()));
                    }
                    (Some(Field::Direction), Some(en), _) => en.debit = value == "DBIT",
                    (Some(Field::Reversal), Some(en), _) => en.reversal = value == "true",
                    // `<Sts>BOOK</Sts>` (.001.02) or `<Sts><Cd>BOOK</Cd></Sts>`
                    // (.001.08 on): the container's own end has no text.
                    (Some(Field::Status), Some(en), _) if !value.is_empty() => {
                        en.booked = value == "BOOK";
                    }
                    (Some(Field::EntryInfo), Some(en), _) => en.info = value.to_string(),
                    (Some(Field::EndToEnd), _, Some(t)) => t.end_to_end = value.to_string(),
                    (Some(Field::TxAmount), _, Some(t)) => {
                        t.amount = Some((decimal(value)?, ccy.clone()));
                    }
                    (Some(Field::ReturnCode), _, Some(t)) => t.code = value.to_string(),
                    (Some(Field::ReturnInfo), _, Some(t)) => t.info = value.to_string(),
                    _ => {}
                }
                match path.pop().as_deref() {
                    Some("TxDtls") => {
                        if let (Some(t), Some(en)) = (tx.take(), entry.as_mut()) {
                            en.txs.push(t);
                        }
                    }
                    Some("Ntry") => {
                        let Some(en) = entry.take() else { continue };
                        if !en.booked {
                            continue;
                        }
                        let single = en.txs.len() == 1;
                        for t in en.txs {
                            if t.end_to_end.is_empty() {
                                continue;
                            }
                            let Some((amount, currency)) =
                                t.amount.or_else(|| en.amount.clone().filter(|_| single))
                            else {
                                return Err("err-statement-amount");
                            };
                            let returned = t.returned || en.reversal || !en.debit;
                            let reason = [t.code.as_str(), t.info.as_str(), en.info.as_str()]
                                .iter()
                                .filter(|s| !s.is_empty())
                                .copied()
                                .collect::<Vec<_>>()
                                .join(" ");
                            out.push(StatementLine {
                                line: entries,
                                account: account.clone(),
                                end_to_end: t.end_to_end,
                                amount,
                                currency,
                                returned,
                                reason: if returned { reason } else { String::new() },
                            });
                            if out.len() > MAX_STATEMENT_LINES {
                                return Err("err-statement-too-long");
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        buf.clear();
    }
    if !path.is_empty() {
        return Err("err-statement-malformed");
    }
    Ok(out)
}

/// The plain CSV statement: a header row naming `account`,
/// `end_to_end_id`, `amount`, `currency`, `status` (`paid` or `returned`)
/// and optionally `reason`, in any order.
pub fn parse_statement_csv(bytes: &[u8]) -> Result<Vec<StatementLine>, &'static str> {
    let mut r = ::csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(bytes);
    let headers = r.headers().map_err(|_| "err-statement-malformed")?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(account), Some(e2e), Some(amount), Some(currency), Some(status)) = (
        col("account"),
        col("end_to_end_id"),
        col("amount"),
        col("currency"),
        col("status"),
    ) else {
        return Err("err-statement-format");
    };
    let reason = col("reason");
    let mut out = Vec::new();
    for (i, row) in r.records().enumerate() {
        let row = row.map_err(|_| "err-statement-malformed")?;
        let get = |c: usize| row.get(c).unwrap_or("").trim();
        let returned = match get(status).to_ascii_lowercase().as_str() {
            "paid" | "settled" => false,
            "returned" => true,
            _ => return Err("err-statement-status"),
        };
        out.push(StatementLine {
            line: i + 2,
            account: account_id(get(account)),
            end_to_end: get(e2e).to_string(),
            amount: decimal(get(amount))?,
            currency: get(currency).to_ascii_uppercase(),
            returned,
            reason: if returned {
                reason.map(|c| get(c).to_string()).unwrap_or_default()
            } else {
                String::new()
            },
        });
        if out.len() > MAX_STATEMENT_LINES {
            return Err("err-statement-too-long");
        }
    }
    Ok(out)
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
        assert!(x.contains("<Othr><Id>012345678</Id>"), "{x}");
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

    const CAMT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>S1</MsgId><CreDtTm>2026-12-09T09:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>S1</Id>
   <Acct><Id><Othr><Id>012-345-678901</Id></Othr></Id><Ccy>MOP</Ccy></Acct>
   <Ntry>
    <Amt Ccy="MOP">35200.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-12-09</Dt></BookgDt>
    <NtryDtls><TxDtls><Refs><EndToEndId>BG-P1</EndToEndId></Refs></TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="MOP">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <NtryDtls><TxDtls><Refs><EndToEndId>BG-P2</EndToEndId></Refs>
     <AmtDtls><TxAmt><Amt Ccy="MOP">100.00</Amt></TxAmt></AmtDtls>
     <RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Account closed &amp; gone</AddtlInf></RtrInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="MOP">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>PDNG</Sts>
    <NtryDtls><TxDtls><Refs><EndToEndId>BG-P3</EndToEndId></Refs></TxDtls></NtryDtls>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>"#;

    #[test]
    fn a_camt053_statement_gives_payments_made_and_sent_back() {
        let lines = parse_statement(CAMT.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2, "a pending entry is not read");
        assert_eq!(lines[0].end_to_end, "BG-P1");
        assert_eq!(lines[0].account, "012345678901");
        assert_eq!(lines[0].amount, Decimal::new(3_520_000, 2));
        assert_eq!(lines[0].currency, "MOP");
        assert!(!lines[0].returned);
        assert!(lines[1].returned);
        assert_eq!(lines[1].reason, "AC04 Account closed & gone");
    }

    #[test]
    fn later_versions_nest_the_status_and_give_each_transaction_its_amount() {
        let later = CAMT
            .replace("camt.053.001.02", "camt.053.001.08")
            .replace("<Sts>BOOK</Sts>", "<Sts><Cd>BOOK</Cd></Sts>")
            .replace("<Sts>PDNG</Sts>", "<Sts>\n <Cd>PDNG</Cd>\n</Sts>");
        let lines = parse_statement(later.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2, "booked entries read, the pending one not");
        let batch = r#"<Document><BkToCstmrStmt><Stmt><Acct><Id><Othr><Id>1</Id></Othr></Id></Acct>
            <Ntry><Amt Ccy="MOP">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><NtryDtls>
            <TxDtls><Refs><EndToEndId>BG-P1</EndToEndId></Refs><Amt Ccy="MOP">10.00</Amt></TxDtls>
            <TxDtls><Refs><EndToEndId>BG-P2</EndToEndId></Refs><Amt Ccy="MOP">20.00</Amt></TxDtls>
            </NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"#;
        let lines = parse_statement(batch.as_bytes()).unwrap();
        assert_eq!(
            lines.iter().map(|l| l.amount).collect::<Vec<_>>(),
            [Decimal::new(1000, 2), Decimal::new(2000, 2)],
            "a batch booked as one entry: each transaction its own amount"
        );
    }

    #[test]
    fn hostile_statements_are_refused_whole() {
        let entities = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x \"xxxxxxxx\"><!ENTITY y \"&x;&x;&x;&x;\">]><Document>&y;</Document>";
        assert_eq!(
            parse_statement(entities.as_bytes()),
            Err("err-statement-doctype")
        );
        let external =
            "<?xml version=\"1.0\"?><!DOCTYPE d SYSTEM \"file:///etc/passwd\"><Document/>";
        assert_eq!(
            parse_statement(external.as_bytes()),
            Err("err-statement-doctype")
        );
        assert_eq!(
            parse_statement(b"<Document><Stmt>"),
            Err("err-statement-malformed")
        );
        assert_eq!(parse_statement(b"<Other/>"), Err("err-statement-format"));
        assert_eq!(
            parse_statement(b"<Document>&unknown;</Document>"),
            Err("err-statement-malformed")
        );
        let bad_amount = CAMT.replace("35200.00", "1e9");
        assert_eq!(
            parse_statement(bad_amount.as_bytes()),
            Err("err-statement-amount")
        );
        assert_eq!(parse_statement(b"   "), Err("err-statement-empty"));
        assert_eq!(parse_statement(b"a,b\n1,2\n"), Err("err-statement-format"));
    }

    #[test]
    fn the_csv_statement_reads_by_its_header() {
        let csv = "\u{feff}status,account,end_to_end_id,amount,currency,reason\n\
                   paid,012-345-678901,BG-P1,35200.00,mop,\n\
                   returned,012345678901,BG-P2,100.00,MOP,AC04 closed\n";
        let lines = parse_statement(csv.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].currency, "MOP");
        assert!(!lines[0].returned && lines[0].reason.is_empty());
        assert_eq!(lines[1].reason, "AC04 closed");
        assert_eq!(lines[1].line, 3);
        let unknown = "account,end_to_end_id,amount,currency,status\n1,BG-P1,1.00,MOP,maybe\n";
        assert_eq!(
            parse_statement(unknown.as_bytes()),
            Err("err-statement-status")
        );
    }
}
