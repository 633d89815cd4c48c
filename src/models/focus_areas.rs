use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Conn, Reader};
use crate::db::schema::focus_areas;
use crate::i18n::Lang;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = focus_areas)]
pub struct FocusArea {
    pub code: String,
    pub name_hant: String,
    pub name_hans: String,
    pub name_en: String,
    pub active: bool,
    pub position: i32,
}

impl FocusArea {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhHant => &self.name_hant,
            Lang::ZhHans => &self.name_hans,
            Lang::En => &self.name_en,
        }
    }
}

pub async fn all(conn: &mut impl Reader) -> QueryResult<Vec<FocusArea>> {
    focus_areas::table
        .select(FocusArea::as_select())
        .order((focus_areas::position, focus_areas::code))
        .load(conn)
        .await
}

pub async fn active_codes(conn: &mut Conn) -> QueryResult<Vec<String>> {
    focus_areas::table
        .filter(focus_areas::active.eq(true))
        .select(focus_areas::code)
        .load(conn)
        .await
}

pub async fn insert(conn: &mut Conn, area: &FocusArea) -> QueryResult<()> {
    diesel::insert_into(focus_areas::table)
        .values(area)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn set_active(conn: &mut Conn, code: &str, active: bool) -> QueryResult<bool> {
    diesel::update(focus_areas::table.find(code))
        .set(focus_areas::active.eq(active))
        .execute(conn)
        .await
        .map(|n| n == 1)
}
