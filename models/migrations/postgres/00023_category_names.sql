-- +goose Up
-- Admins name each category in English and Dutch, as they do statuses; an
-- empty Dutch name shows the English one.
ALTER TABLE categories ADD COLUMN name_nl TEXT NOT NULL DEFAULT '';
UPDATE categories SET name_nl = 'Nieuwe functies' WHERE slug = 'features' AND name_nl = '';
UPDATE categories SET name_nl = 'Verbeteringen' WHERE slug = 'improvements' AND name_nl = '';
UPDATE categories SET name_nl = 'Problemen' WHERE slug = 'problems' AND name_nl = '';

-- +goose Down
ALTER TABLE categories DROP COLUMN name_nl;
