-- A call's title and description in Simplified Chinese (issue 19), beside
-- the Traditional (`*_zh`) and English ones. Empty: Simplified readers get
-- the Traditional text converted, and the page says so.
ALTER TABLE calls
    ADD COLUMN title_hans TEXT NOT NULL DEFAULT '',
    ADD COLUMN description_hans TEXT NOT NULL DEFAULT '';
