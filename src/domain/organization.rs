//! Where an organization is registered, what kind it is, and whether its
//! registration number has the right form (DESIGN §2).

use super::uscc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Jurisdiction {
    Mainland,
    HongKong,
    Macau,
}

impl Jurisdiction {
    pub const ALL: [Jurisdiction; 3] = [
        Jurisdiction::Mainland,
        Jurisdiction::HongKong,
        Jurisdiction::Macau,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Jurisdiction::Mainland => "mainland",
            Jurisdiction::HongKong => "hong_kong",
            Jurisdiction::Macau => "macau",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.code() == code)
    }

    pub fn label_key(self) -> String {
        format!("jurisdiction-{}", self.code())
    }

    pub fn is_cross_border(self) -> bool {
        self != Jurisdiction::Mainland
    }
}

/// The nine Guangdong cities of the Bay Area, with their GB/T 2260 prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum City {
    Guangzhou,
    Shenzhen,
    Zhuhai,
    Foshan,
    Huizhou,
    Dongguan,
    Zhongshan,
    Jiangmen,
    Zhaoqing,
}

impl City {
    pub const ALL: [City; 9] = [
        City::Guangzhou,
        City::Shenzhen,
        City::Zhuhai,
        City::Foshan,
        City::Huizhou,
        City::Dongguan,
        City::Zhongshan,
        City::Jiangmen,
        City::Zhaoqing,
    ];

    pub fn code(self) -> &'static str {
        match self {
            City::Guangzhou => "guangzhou",
            City::Shenzhen => "shenzhen",
            City::Zhuhai => "zhuhai",
            City::Foshan => "foshan",
            City::Huizhou => "huizhou",
            City::Dongguan => "dongguan",
            City::Zhongshan => "zhongshan",
            City::Jiangmen => "jiangmen",
            City::Zhaoqing => "zhaoqing",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgType {
    /// 社會團體
    SocialGroup,
    /// 民辦非企業單位 / 社會服務機構
    SocialServiceAgency,
    /// 基金會
    Foundation,
    /// 境外非政府組織代表機構
    OverseasNgoOffice,
    /// s.88 charity (Hong Kong)
    HkCharity,
    HkCompanyLimitedByGuarantee,
    HkSociety,
    /// 澳門社團
    MacauAssociation,
}

impl OrgType {
    pub const ALL: [OrgType; 8] = [
        OrgType::SocialGroup,
        OrgType::SocialServiceAgency,
        OrgType::Foundation,
        OrgType::OverseasNgoOffice,
        OrgType::HkCharity,
        OrgType::HkCompanyLimitedByGuarantee,
        OrgType::HkSociety,
        OrgType::MacauAssociation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrgType::SocialGroup => "social_group",
            OrgType::SocialServiceAgency => "social_service_agency",
            OrgType::Foundation => "foundation",
            OrgType::OverseasNgoOffice => "overseas_ngo_office",
            OrgType::HkCharity => "hk_charity",
            OrgType::HkCompanyLimitedByGuarantee => "hk_company_limited_by_guarantee",
            OrgType::HkSociety => "hk_society",
            OrgType::MacauAssociation => "macau_association",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

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
/// organization. The error is a catalogue key naming what is wrong.
pub fn validate_registration(
    raw: &str,
    org_type: OrgType,
    city: Option<City>,
) -> Result<String, &'static str> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("err-required");
    }
    match org_type.jurisdiction() {
        Jurisdiction::Mainland => {
            let city = city.ok_or("err-city-required")?;
            uscc::validate(trimmed, org_type, city).map_err(uscc::Failure::message_key)
        }
        Jurisdiction::HongKong => {
            // Hong Kong numbers vary by register (s.88 file numbers such as
            // 91/12345, company numbers, society numbers): shape only.
            let n = trimmed.to_uppercase();
            let ok = (4..=20).contains(&n.len())
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/-()".contains(c))
                && n.chars().filter(char::is_ascii_digit).count() >= 4;
            if ok { Ok(n) } else { Err("err-regno-hk-shape") }
        }
        Jurisdiction::Macau => {
            // Macau association registration numbers: digits, optionally /year.
            let n = trimmed.to_uppercase();
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
                Err("err-regno-macau-shape")
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
            validate_registration("abc", OrgType::HkSociety, None),
            Err("err-regno-hk-shape")
        );
        assert_eq!(
            validate_registration("<script>", OrgType::HkSociety, None),
            Err("err-regno-hk-shape")
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
            validate_registration("12a4", OrgType::MacauAssociation, None),
            Err("err-regno-macau-shape")
        );
    }

    #[test]
    fn mainland_numbers_need_a_city() {
        assert_eq!(
            validate_registration("53440103427841382L", OrgType::Foundation, None),
            Err("err-city-required")
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
