-- One row per rule and county held back this month because the county's own file of a feed
-- delivered one file per county did not come and what the county last sent is older than the
-- rule allows (a rule held back for the whole city is not repeated here): the county's alerts of
-- the rule are not raised from a stale roster, and its open ones show 暂停.
with county_deliveries as (
    select
        log.feed_code,
        counties.county_code,
        counties.county_name,
        max(log.delivery_month) as last_delivered_month
    from {{ source('raw', 'load_log') }} as log
    cross join {{ ref('counties') }} as counties
    where log.status = 'loaded'
        and log.delivery_month <= '{{ var("month") }}'
        and not {{ csv_contains('log.missing_counties', 'counties.county_code') }}
    group by all
),

county_freshness as (
    select
        county_deliveries.*,
        {{ months_between_dates("cast(last_delivered_month || '-01' as date)", "cast('" ~ var('month') ~ "-01' as date)") }} as age_months
    from county_deliveries
),

stale as (
    select
        rule_feeds.rule_id,
        county_freshness.county_code,
        county_freshness.county_name,
        county_freshness.feed_code,
        freshness.title,
        county_freshness.last_delivered_month,
        county_freshness.age_months
    from {{ ref('rule_feeds') }} as rule_feeds
    inner join {{ ref('int_feed_freshness') }} as freshness using (feed_code)
    inner join county_freshness using (feed_code)
    where county_freshness.age_months > coalesce(rule_feeds.max_age_months, freshness.max_age_months)
        and county_freshness.age_months > coalesce(freshness.age_months, 0)
        and rule_feeds.rule_id not in (select rule_id from {{ ref('held_back_rules') }})
)

select
    rule_id,
    county_code,
    '{{ var("month") }}' as month,
    {% call text_agg("','", order_by=['feed_code']) %}feed_code{% endcall %} as stale_feeds,
    '规则' || rule_id || '在' || any_value(county_name) || '暂停预警：' || {% call text_agg("'；'", order_by=['feed_code']) %}title || '最近交付于' || last_delivered_month || '（' || age_months || '个月前）'{% endcall %} as message
from stale
group by rule_id, county_code
