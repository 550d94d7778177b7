//! What a live Auth Token or API key reaches: the account's type, status and name, whether it
//! is a main account and how many subaccounts it controls, and which kind of key a key is.
//!
//! Asked only after a credential proved live, with GET requests only, once per distinct pair:
//!
//! * Account SID + Auth Token: the verdict's own `GET /2010-04-01/Accounts/{AC}.json` answer
//!   gives type, status, friendly name and owner (owner = itself: a main account). Only for a
//!   main account, `GET /2010-04-01/Accounts.json?PageSize=100` counts its subaccounts.
//! * API key: error 70051 on the verdict's request means a Restricted key (nothing more is
//!   asked). Otherwise `GET /2010-04-01/Accounts.json?PageSize=100`: 401 a Standard key, 200 a
//!   Main key, whose list names its account and that account's subaccounts.
//!
//! The account list holds every account's Auth Token: it is streamed into `AccountList`,
//! which names only `sid`, `owner_account_sid`, `type`, `status` and `friendly_name`, so no
//! token is ever kept, logged or printed. One page is read; more pages are only flagged.

use super::client::{fetch, Answer, Reply, RESTRICTED_KEY_CODE};
use super::pair::{Check, CheckKind};
use super::VerifyOptions;
use crate::finding::{Access, KeyType};
use serde::Deserialize;

/// Accounts asked for on the one page of the account list read.
pub const LIST_PAGE_SIZE: usize = 100;
/// Most of an account list read (about 2 KiB an account); a longer body is not parsed.
const MAX_LIST_BODY: u64 = 1024 * 1024;
/// Longest friendly name kept (Twilio allows 64 characters).
const MAX_NAME: usize = 64;

/// The fields of one page of `GET /2010-04-01/Accounts.json` that access needs.
#[derive(Debug, Deserialize)]
struct AccountList {
    accounts: Vec<ListedAccount>,
    next_page_uri: Option<String>,
}

/// The fields of one listed account that access needs; its `auth_token` is not among them.
#[derive(Debug, Deserialize)]
struct ListedAccount {
    sid: String,
    owner_account_sid: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    status: Option<String>,
    friendly_name: Option<String>,
}

impl ListedAccount {
    fn is_main(&self) -> bool {
        self.owner_account_sid.as_deref() == Some(self.sid.as_str())
    }
}

/// What a live credential reaches, from the verdict's answer and at most one more GET. `None`
/// when nothing could be learnt.
pub(super) fn probe(
    agent: &ureq::Agent,
    check: &Check,
    options: &VerifyOptions,
    answer: &Answer<Reply>,
) -> Option<Access> {
    let access = match check.kind {
        CheckKind::Account => account(agent, check, options, answer.body.as_ref()?),
        CheckKind::ApiKey => api_key(agent, check, options, answer),
        CheckKind::SendGrid | CheckKind::Segment => return None,
    };
    (access != Access::default()).then_some(access)
}

fn account(agent: &ureq::Agent, check: &Check, options: &VerifyOptions, reply: &Reply) -> Access {
    let main_account = match (reply.text("sid"), reply.text("owner_account_sid")) {
        (Some(sid), Some(owner)) => Some(sid == owner),
        _ => None,
    };
    let mut access = Access {
        account_type: reply.text("type").map(str::to_owned),
        account_status: reply.text("status").map(str::to_owned),
        friendly_name: reply.text("friendly_name").map(clean_name),
        main_account,
        ..Access::default()
    };
    if main_account == Some(true) {
        if let Some(list) = account_list(agent, check, options).ok().flatten() {
            // Twilio's spelling of the SID, not the one found (it may differ in case).
            let own = reply.text("sid").unwrap_or(&check.user);
            let others = list
                .accounts
                .iter()
                .filter(|a| !a.sid.eq_ignore_ascii_case(own))
                .count();
            access.subaccounts = Some(others as u64);
            access.subaccounts_more = Some(list.next_page_uri.is_some());
        }
    }
    access
}

fn api_key(
    agent: &ureq::Agent,
    check: &Check,
    options: &VerifyOptions,
    answer: &Answer<Reply>,
) -> Access {
    let code = answer.body.as_ref().and_then(Reply::code);
    if answer.status != 200 && code == Some(RESTRICTED_KEY_CODE) {
        return Access {
            key_type: Some(KeyType::Restricted),
            restricted: Some(true),
            ..Access::default()
        };
    }
    match account_list(agent, check, options) {
        Ok(Some(list)) => main_key(&list),
        Err(401) => Access {
            key_type: Some(KeyType::Standard),
            ..Access::default()
        },
        // A 200 whose body could not be read still says Main; anything else says nothing.
        Err(200) => Access {
            key_type: Some(KeyType::Main),
            restricted: Some(false),
            ..Access::default()
        },
        Ok(None) | Err(_) => Access::default(),
    }
}

/// A Main key's account: the list's main account (its own owner), the others being its
/// subaccounts; or, for a subaccount's key, the one subaccount listed.
fn main_key(list: &AccountList) -> Access {
    let mut access = Access {
        key_type: Some(KeyType::Main),
        restricted: Some(false),
        ..Access::default()
    };
    let more = list.next_page_uri.is_some();
    let own = match list.accounts.iter().find(|a| a.is_main()) {
        Some(main) => {
            access.subaccounts = Some(list.accounts.len().saturating_sub(1) as u64);
            access.subaccounts_more = Some(more);
            main
        }
        None => match list.accounts.as_slice() {
            [only] if !more => only,
            _ => return access,
        },
    };
    access.main_account = own.owner_account_sid.as_ref().map(|_| own.is_main());
    access.account_type = own.kind.clone();
    access.account_status = own.status.clone();
    access.friendly_name = own.friendly_name.as_deref().map(clean_name);
    access
}

/// `Ok(Some(list))` for a 200 with a readable page, `Ok(None)` when no answer came, and
/// `Err(status)` for an answer without a readable list (its HTTP status).
fn account_list(
    agent: &ureq::Agent,
    check: &Check,
    options: &VerifyOptions,
) -> Result<Option<AccountList>, u16> {
    let url = format!(
        "{}/2010-04-01/Accounts.json?PageSize={LIST_PAGE_SIZE}",
        options.api_url.trim_end_matches('/')
    );
    match fetch::<AccountList>(agent, &url, check, options, MAX_LIST_BODY) {
        Ok(answer) if answer.status == 200 && answer.body.is_some() => Ok(answer.body),
        Ok(answer) => Err(answer.status),
        Err(_) => Ok(None),
    }
}

/// A name from the network, safe to print: escaped and cut to Twilio's 64 characters.
fn clean_name(name: &str) -> String {
    let cut: String = name.chars().take(MAX_NAME).collect();
    crate::sanitize::escape(&mask_email(&cut))
}

/// A friendly name is the owner's email address unless someone renamed the account: that is
/// personal data, so an address keeps only its domain (`…@example.com`), which still tells
/// whose account it is.
fn mask_email(name: &str) -> String {
    match name.trim().rsplit_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !local.contains(char::is_whitespace)
                && domain.contains('.')
                && !domain.contains(char::is_whitespace) =>
        {
            format!("\u{2026}@{domain}")
        }
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(json: &str) -> AccountList {
        serde_json::from_str(json).expect("a test list")
    }

    #[test]
    fn an_email_address_as_friendly_name_keeps_only_its_domain() {
        assert_eq!(clean_name("ada@example.com"), "\u{2026}@example.com");
        assert_eq!(clean_name("Acme prod"), "Acme prod");
        assert_eq!(clean_name("ops @ night"), "ops @ night");
    }

    #[test]
    fn a_main_keys_list_names_its_account_and_counts_the_others() {
        let page = list(
            r#"{"accounts":[
                {"sid":"A","owner_account_sid":"A","type":"Full","status":"active","friendly_name":"prod\u001b[31m","auth_token":"t1"},
                {"sid":"B","owner_account_sid":"A","auth_token":"t2"},
                {"sid":"C","owner_account_sid":"A","auth_token":"t3"}],
              "next_page_uri":null}"#,
        );
        let access = main_key(&page);
        assert_eq!(access.key_type, Some(KeyType::Main));
        assert_eq!(access.main_account, Some(true));
        assert_eq!(access.subaccounts, Some(2));
        assert_eq!(access.subaccounts_more, Some(false));
        assert_eq!(access.friendly_name.as_deref(), Some("prod\\u{1b}[31m"));
        let sub = main_key(&list(
            r#"{"accounts":[{"sid":"B","owner_account_sid":"A","type":"Trial"}]}"#,
        ));
        assert_eq!(sub.main_account, Some(false));
        assert_eq!(sub.subaccounts, None);
        assert_eq!(sub.account_type.as_deref(), Some("Trial"));
        let unclear = main_key(&list(
            r#"{"accounts":[{"sid":"B","owner_account_sid":"A"},{"sid":"C","owner_account_sid":"A"}],"next_page_uri":"/next"}"#,
        ));
        assert_eq!(unclear.account_type, None);
        assert_eq!(unclear.key_type, Some(KeyType::Main));
    }

    #[test]
    fn names_are_cut_and_escaped() {
        assert_eq!(clean_name(&"x".repeat(500)).len(), MAX_NAME);
        assert_eq!(clean_name("a\u{202e}b"), "a\\u{202e}b");
    }
}
