ALTER TABLE calls DROP COLUMN title_hans, DROP COLUMN description_hans;
