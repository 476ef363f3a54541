-- +goose Up
-- The statuses and categories a new community starts with; admins change them later.
INSERT INTO statuses (slug, name, colour, kind, position, on_roadmap, created_at) VALUES
    ('open',         'Open',         '#5f6b73', 'open',    1, FALSE, CURRENT_TIMESTAMP),
    ('under-review', 'Under review', '#8a5cf6', 'open',    2, FALSE, CURRENT_TIMESTAMP),
    ('planned',      'Planned',      '#2563eb', 'planned', 3, TRUE,  CURRENT_TIMESTAMP),
    ('in-progress',  'In progress',  '#d97706', 'active',  4, TRUE,  CURRENT_TIMESTAMP),
    ('shipped',      'Shipped',      '#0b6e4f', 'done',    5, TRUE,  CURRENT_TIMESTAMP),
    ('declined',     'Declined',     '#b3261e', 'closed',  6, FALSE, CURRENT_TIMESTAMP);

INSERT INTO categories (slug, name, description, position, created_at) VALUES
    ('features',     'New features', 'Something the product cannot do yet.',          1, CURRENT_TIMESTAMP),
    ('improvements', 'Improvements', 'Make something that exists work better.',       2, CURRENT_TIMESTAMP),
    ('problems',     'Problems',     'Something is broken, confusing or in the way.', 3, CURRENT_TIMESTAMP);

-- +goose Down
DELETE FROM categories WHERE slug IN ('features', 'improvements', 'problems');
DELETE FROM statuses WHERE slug IN ('open', 'under-review', 'planned', 'in-progress', 'shipped', 'declined');
