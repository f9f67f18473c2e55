-- One row per rule held back this month because a feed it relies on was turned away this month,
-- or is older than the rule allows (seed rule_feeds.max_age_months, else the feed's limit in seed
-- feeds): the rule raises nothing, and its open alerts show 暂停.
with rule_freshness as (
    select
        rule_feeds.rule_id,
        freshness.*,
        coalesce(rule_feeds.max_age_months, freshness.max_age_months) as allowed_age_months
    from {{ ref('rule_feeds') }} as rule_feeds
    inner join {{ ref('int_feed_freshness') }} as freshness using (feed_code)
)

select
    rule_id,
    '{{ var("month") }}' as month,
    {% call text_agg("','", order_by=['feed_code']) %}feed_code{% endcall %} as stale_feeds,
    '规则' || rule_id || '暂停预警：' || {% call text_agg("'；'", order_by=['feed_code']) %}title || case
            when is_turned_away then '本月交付未通过质量检查'
            when last_delivered_month is null then '从未交付'
            when allowed_age_months = 0 then '本月未交付（该规则需用当月数据）'
            else '最近交付于' || last_delivered_month || '（' || age_months || '个月前，超过'
                || allowed_age_months || '个月）' end{% endcall %} as message
from rule_freshness
where coalesce(is_turned_away, false)
    or last_delivered_month is null
    or age_months > allowed_age_months
group by rule_id
