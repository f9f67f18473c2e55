-- One row per feed: the last month its delivery was accepted up to the monitoring month, how
-- old that delivery is, whether it is past its configured maximum age, and whether this month's
-- delivery was turned away (unreadable or failing its blocking checks: not delivered).
with accepted as (
    select feed_code, max(delivery_month) as last_delivered_month
    from {{ source('raw', 'load_log') }}
    where delivery_month <= '{{ var("month") }}' and status in ('loaded', 'no_events')
    group by feed_code
),

this_month as (
    select feed_code, status, reason
    from {{ source('raw', 'load_log') }}
    where delivery_month = '{{ var("month") }}'
)

select
    feeds.feed_code,
    feeds.title,
    feeds.max_age_months,
    accepted.last_delivered_month,
    coalesce(this_month.status, 'missing') as delivery_status,
    this_month.status = 'rejected' as is_turned_away,
    case when accepted.last_delivered_month is not null then
        {{ months_between_dates("cast(accepted.last_delivered_month || '-01' as date)", "cast('" ~ var('month') ~ "-01' as date)") }}
    end as age_months,
    coalesce(
        {{ months_between_dates("cast(accepted.last_delivered_month || '-01' as date)", "cast('" ~ var('month') ~ "-01' as date)") }}
            > feeds.max_age_months,
        true
    ) as is_stale
from {{ ref('feeds') }} as feeds
left join accepted using (feed_code)
left join this_month using (feed_code)
