-- One row per feed: the last month it was delivered up to the monitoring month, how old that
-- delivery is, and whether it is past its configured maximum age.
with deliveries as (
    select feed_code, max(delivery_month) as last_delivered_month
    from {{ source('raw', 'load_log') }}
    where delivery_month <= '{{ var("month") }}'
    group by feed_code
)

select
    feeds.feed_code,
    feeds.title,
    feeds.max_age_months,
    deliveries.last_delivered_month,
    case when deliveries.last_delivered_month is not null then
        date_diff('month', cast(deliveries.last_delivered_month || '-01' as date), cast('{{ var("month") }}-01' as date))
    end as age_months,
    coalesce(
        date_diff('month', cast(deliveries.last_delivered_month || '-01' as date), cast('{{ var("month") }}-01' as date))
            > feeds.max_age_months,
        true
    ) as is_stale
from {{ ref('feeds') }} as feeds
left join deliveries using (feed_code)
