-- One row per rule held back this month because a feed it relies on was turned away this month,
-- or is missing past its configured age: the rule raises nothing, and its open alerts show 暂停.
select
    rule_feeds.rule_id,
    '{{ var("month") }}' as month,
    string_agg(freshness.feed_code, ',' order by freshness.feed_code) as stale_feeds,
    '规则' || rule_feeds.rule_id || '暂停预警：' || string_agg(
        freshness.title || case
            when freshness.is_turned_away then '本月交付未通过质量检查'
            when freshness.last_delivered_month is null then '从未交付'
            else '最近交付于' || freshness.last_delivered_month || '（' || freshness.age_months || '个月前，超过'
                || freshness.max_age_months || '个月）' end,
        '；' order by freshness.feed_code
    ) as message
from {{ ref('rule_feeds') }} as rule_feeds
inner join {{ ref('int_feed_freshness') }} as freshness using (feed_code)
where freshness.is_stale or coalesce(freshness.is_turned_away, false)
group by rule_feeds.rule_id
