-- +goose Up
-- "Trending" ranks what members vote for lately: ideas.hot becomes log2 of
-- the sum of the weights of an idea's votes, each halving a week after it
-- was cast, and of its creation at 2^-10 (models.TrendScore), in place of
-- the logarithm of the vote count plus the idea's age, which let a new idea
-- with its author's vote alone outrank what a dozen members voted for this
-- week. Each power of two is taken relative to the latest, so none
-- overflows.
UPDATE ideas SET hot = (SELECT ref.x + ln(power(2, greatest((((extract(epoch FROM ideas.created_at)::float8 - 1704067200) / 604800.0) - 10) - ref.x, -1000))
        + COALESCE((SELECT SUM(power(2, greatest(((extract(epoch FROM v.created_at)::float8 - 1704067200) / 604800.0) - ref.x, -1000)))
            FROM votes v WHERE v.idea_id = ideas.id), 0)) / ln(2)
    FROM (SELECT greatest((((extract(epoch FROM ideas.created_at)::float8 - 1704067200) / 604800.0) - 10),
        COALESCE((SELECT MAX(((extract(epoch FROM v.created_at)::float8 - 1704067200) / 604800.0)) FROM votes v WHERE v.idea_id = ideas.id),
            (((extract(epoch FROM ideas.created_at)::float8 - 1704067200) / 604800.0) - 10))) AS x) AS ref);

-- +goose Down
UPDATE ideas SET hot = log(greatest(votes, 1)::float8) + (floor(extract(epoch FROM created_at))::float8 - 1704067200) / 345600;
