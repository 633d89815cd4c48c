//! Where an organization is registered, what kind it is, and whether its
//! registration number has the right form (DESIGN §2).

use super::uscc;
use crate::domain::code::codes;

codes! {
    /// Where an organization's registration check stands (DESIGN §2).
    pub enum Verification {
        Pending = "pending",
        Verified = "verified",
        Returned = "returned",
    }
}

codes! {
    /// A person's standing in an organization.
    pub enum MemberRole {
        Owner = "owner",
        Member = "member",
    }
}

codes! {
    pub enum Jurisdiction {
        Mainland = "mainland",
        HongKong = "hong_kong",
        Macau = "macau",
    }
}

impl Jurisdiction {
    pub fn label_key(self) -> String {
        format!("jurisdiction-{}", self.code())
    }

    pub fn is_cross_border(self) -> bool {
        self != Jurisdiction::Mainland
    }
}

codes! {
    /// The nine Guangdong cities of the Bay Area, with their GB/T 2260 prefixes.
    pub enum City {
        Guangzhou = "guangzhou",
        Shenzhen = "shenzhen",
        Zhuhai = "zhuhai",
        Foshan = "foshan",
        Huizhou = "huizhou",
        Dongguan = "dongguan",
        Zhongshan = "zhongshan",
        Jiangmen = "jiangmen",
        Zhaoqing = "zhaoqing",
    }
}

impl City {
    /// The first four digits of the city's administrative division codes.
    pub fn region_prefix(self) -> &'static str {
        match self {
            City::Guangzhou => "4401",
            City::Shenzhen => "4403",
            City::Zhuhai => "4404",
            City::Foshan => "4406",
            City::Jiangmen => "4407",
            City::Zhaoqing => "4412",
            City::Huizhou => "4413",
            City::Dongguan => "4419",
            City::Zhongshan => "4420",
        }
    }

    pub fn label_key(self) -> String {
        format!("city-{}", self.code())
    }
}

codes! {
    pub enum OrgType {
        /// 社會團體
        SocialGroup = "social_group",
        /// 民辦非企業單位 / 社會服務機構
        SocialServiceAgency = "social_service_agency",
        /// 基金會
        Foundation = "foundation",
        /// 境外非政府組織代表機構
        OverseasNgoOffice = "overseas_ngo_office",
        /// s.88 charity (Hong Kong)
        HkCharity = "hk_charity",
        HkCompanyLimitedByGuarantee = "hk_company_limited_by_guarantee",
        HkSociety = "hk_society",
        /// 澳門社團
        MacauAssociation = "macau_association",
    }
}

impl OrgType {
    pub fn jurisdiction(self) -> Jurisdiction {
        match self {
            OrgType::SocialGroup
            | OrgType::SocialServiceAgency
            | OrgType::Foundation
            | OrgType::OverseasNgoOffice => Jurisdiction::Mainland,
            OrgType::HkCharity | OrgType::HkCompanyLimitedByGuarantee | OrgType::HkSociety => {
                Jurisdiction::HongKong
            }
            OrgType::MacauAssociation => Jurisdiction::Macau,
        }
    }

    /// The second character of a mainland code for this type.
    pub fn uscc_type_char(self) -> Option<char> {
        match self {
            OrgType::SocialGroup => Some('1'),
            OrgType::SocialServiceAgency => Some('2'),
            OrgType::Foundation => Some('3'),
            OrgType::OverseasNgoOffice => Some('9'),
            _ => None,
        }
    }

    pub fn label_key(self) -> String {
        format!("orgtype-{}", self.code())
    }
}

/// Checks and normalises a registration number for the given kind of
/// organization: full-width forms read as ASCII, spaces between groups
/// dropped (and hyphens in a mainland code, where they are never part of it). The error is a
/// catalogue message naming what is wrong, and where a character is wrong,
/// which and where (counted in the number as kept).
pub fn validate_registration(
    raw: &str,
    org_type: OrgType,
    city: Option<City>,
) -> Result<String, String> {
    if raw.trim().is_empty() {
        return Err("err-required".into());
    }
    let bad_char = |key: &str, n: &str, ok: &dyn Fn(char) -> bool| {
        n.chars().enumerate().find(|(_, c)| !ok(*c)).map(|(i, c)| {
            crate::i18n::message(
                key,
                &[("position", &(i + 1).to_string()), ("char", &c.to_string())],
            )
        })
    };
    match org_type.jurisdiction() {
        Jurisdiction::Mainland => {
            let city = city.ok_or("err-city-required")?;
            uscc::validate(raw, org_type, city).map_err(uscc::Failure::message)
        }
        Jurisdiction::HongKong => {
            // Hong Kong numbers vary by register (s.88 file numbers such as
            // 91/12345, company numbers, society numbers): shape only.
            let n: String = super::money::normalize_width(raw)
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_uppercase)
                .collect();
            if let Some(e) = bad_char("err-regno-hk-char", &n, &|c| {
                c.is_ascii_alphanumeric() || "/-()".contains(c)
            }) {
                return Err(e);
            }
            let ok =
                (4..=20).contains(&n.len()) && n.chars().filter(char::is_ascii_digit).count() >= 4;
            if ok {
                Ok(n)
            } else {
                Err("err-regno-hk-shape".into())
            }
        }
        Jurisdiction::Macau => {
            // Macau association registration numbers: digits, optionally /year.
            let n: String = super::money::normalize_width(raw)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if let Some(e) = bad_char("err-regno-macau-char", &n, &|c| {
                c.is_ascii_digit() || c == '/'
            }) {
                return Err(e);
            }
            let (num, year) = n
                .split_once('/')
                .map_or((n.as_str(), None), |(a, b)| (a, Some(b)));
            let ok = (1..=8).contains(&num.len())
                && num.chars().all(|c| c.is_ascii_digit())
                && year.is_none_or(|y| {
                    (2..=4).contains(&y.len()) && y.chars().all(|c| c.is_ascii_digit())
                });
            if ok {
                Ok(n)
            } else {
                Err("err-regno-macau-shape".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hong_kong_and_macau_numbers_are_checked_for_shape() {
        assert_eq!(
            validate_registration(" 91/12345 ", OrgType::HkCharity, None),
            Ok("91/12345".into())
        );
        assert_eq!(
            validate_registration("1234567", OrgType::HkCompanyLimitedByGuarantee, None),
            Ok("1234567".into())
        );
        assert_eq!(
            validate_registration("91 / 12345", OrgType::HkCharity, None),
            Ok("91/12345".into())
        );
        assert_eq!(
            validate_registration("abc", OrgType::HkSociety, None),
            Err("err-regno-hk-shape".into())
        );
        assert_eq!(
            validate_registration("<script>", OrgType::HkSociety, None),
            Err("err-regno-hk-char?position=1&char=%3C".into())
        );
        assert_eq!(
            validate_registration("1234", OrgType::MacauAssociation, None),
            Ok("1234".into())
        );
        assert_eq!(
            validate_registration("1234/2015", OrgType::MacauAssociation, None),
            Ok("1234/2015".into())
        );
        assert_eq!(
            validate_registration("１２３４ / 2015", OrgType::MacauAssociation, None),
            Ok("1234/2015".into())
        );
        assert_eq!(
            validate_registration("12a4", OrgType::MacauAssociation, None),
            Err("err-regno-macau-char?position=3&char=a".into())
        );
        assert_eq!(
            validate_registration("123456789", OrgType::MacauAssociation, None),
            Err("err-regno-macau-shape".into())
        );
    }

    #[test]
    fn mainland_numbers_need_a_city() {
        assert_eq!(
            validate_registration("53440103427841382L", OrgType::Foundation, None),
            Err("err-city-required".into())
        );
    }

    #[test]
    fn every_type_belongs_to_one_jurisdiction() {
        for t in OrgType::ALL {
            assert_eq!(OrgType::from_code(t.code()), Some(t));
            assert_eq!(
                t.uscc_type_char().is_some(),
                t.jurisdiction() == Jurisdiction::Mainland
            );
        }
    }
}

/// The organization form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct OrganizationForm {
    pub name_zh: String,
    pub name_en: String,
    pub org_type: String,
    pub city: String,
    pub registration_number: String,
    pub founded_on: String,
    pub focus: Vec<String>,
    pub address: String,
    pub website: String,
    pub contact_email: String,
}

#[derive(Debug, Clone)]
pub struct ValidOrganization {
    pub name_zh: String,
    pub name_en: String,
    pub org_type: OrgType,
    pub city: Option<City>,
    pub registration_number: String,
    pub founded_on: chrono::NaiveDate,
    pub focus: Vec<String>,
    pub address: String,
    pub website: String,
    pub contact_email: String,
}

impl OrganizationForm {
    pub fn validate(
        &self,
        known_focus: &[String],
        today: chrono::NaiveDate,
    ) -> Result<ValidOrganization, super::form::FormErrors> {
        let mut e = super::form::FormErrors::default();
        let mut name = |field: &'static str, raw: &str| -> String {
            super::text::required(raw, 200, super::text::Lines::One).unwrap_or_else(|k| {
                e.add(field, k);
                raw.trim().to_string()
            })
        };
        let name_zh = name("name_zh", &self.name_zh);
        let name_en = name("name_en", &self.name_en);
        let org_type = OrgType::from_code(&self.org_type);
        if org_type.is_none() {
            e.add("org_type", "err-choice-unknown");
        }
        let city = match org_type.map(OrgType::jurisdiction) {
            Some(Jurisdiction::Mainland) => {
                let city = City::from_code(self.city.trim());
                if city.is_none() {
                    e.add("city", "err-city-required");
                }
                city
            }
            _ => None,
        };
        let registration_number = match org_type {
            Some(t) if t.jurisdiction() != Jurisdiction::Mainland || city.is_some() => {
                validate_registration(&self.registration_number, t, city)
                    .map_err(|k| e.add("registration_number", k))
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        let founded_on = match chrono::NaiveDate::parse_from_str(self.founded_on.trim(), "%Y-%m-%d")
        {
            Ok(d) if d > today => {
                e.add("founded_on", "err-date-future");
                None
            }
            Ok(d) if d.year_ce().1 < 1800 => {
                e.add("founded_on", "err-date-invalid");
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                e.add(
                    "founded_on",
                    if self.founded_on.trim().is_empty() {
                        "err-required"
                    } else {
                        "err-date-invalid"
                    },
                );
                None
            }
        };
        let mut focus: Vec<String> = self
            .focus
            .iter()
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect();
        focus.sort();
        focus.dedup();
        if focus.iter().any(|f| !known_focus.contains(f)) {
            e.add("focus", "err-focus-unknown");
        }
        let address = super::text::checked(&self.address, 500, super::text::Lines::One)
            .map_err(|k| e.add("address", k))
            .unwrap_or_default();
        let website = self.website.trim().to_string();
        if !website.is_empty() {
            let ok = url::Url::parse(&website)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            if !ok || website.len() > 300 {
                e.add("website", "err-website-invalid");
            }
        }
        let contact_email = if self.contact_email.trim().is_empty() {
            String::new()
        } else {
            super::account::EmailAddress::parse(&self.contact_email)
                .map(|a| a.as_str().to_string())
                .map_err(|k| e.add("contact_email", k))
                .unwrap_or_default()
        };
        match (org_type, founded_on) {
            (Some(org_type), Some(founded_on)) if e.is_empty() => Ok(ValidOrganization {
                name_zh,
                name_en,
                org_type,
                city,
                registration_number,
                founded_on,
                focus,
                address,
                website,
                contact_email,
            }),
            _ => Err(e),
        }
    }
}

use chrono::Datelike;

#[cfg(test)]
mod form_tests {
    use super::*;

    fn form() -> OrganizationForm {
        OrganizationForm {
            name_zh: "廣州長者關愛協會".into(),
            name_en: "Guangzhou Elder Care Association".into(),
            org_type: "foundation".into(),
            city: "guangzhou".into(),
            registration_number: "53440103427841382l".into(),
            founded_on: "2015-03-01".into(),
            focus: vec!["elderly_care".into()],
            ..Default::default()
        }
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    #[test]
    fn a_mainland_organization_validates_and_normalises_its_code() {
        let v = form().validate(&["elderly_care".into()], today()).unwrap();
        assert_eq!(v.registration_number, "53440103427841382L");
        assert_eq!(v.city, Some(City::Guangzhou));
    }

    #[test]
    fn mismatches_are_named() {
        let mut f = form();
        f.org_type = "social_group".into();
        assert_eq!(
            f.validate(&[], today())
                .unwrap_err()
                .get("registration_number"),
            Some("err-uscc-type")
        );
        let mut f = form();
        f.city = "shenzhen".into();
        assert_eq!(
            f.validate(&[], today())
                .unwrap_err()
                .get("registration_number"),
            Some("err-uscc-region")
        );
        let mut f = form();
        f.founded_on = "2030-01-01".into();
        assert_eq!(
            f.validate(&["elderly_care".into()], today())
                .unwrap_err()
                .get("founded_on"),
            Some("err-date-future")
        );
        let mut f = form();
        f.website = "javascript:alert(1)".into();
        assert_eq!(
            f.validate(&["elderly_care".into()], today())
                .unwrap_err()
                .get("website"),
            Some("err-website-invalid")
        );
    }

    #[test]
    fn hong_kong_organizations_have_no_city() {
        let mut f = form();
        f.org_type = "hk_charity".into();
        f.registration_number = "91/12345".into();
        let v = f.validate(&["elderly_care".into()], today()).unwrap();
        assert_eq!(v.city, None);
        assert_eq!(v.org_type.jurisdiction(), Jurisdiction::HongKong);
    }
}
