-- One row per rule held back this month: a feed it relies on was turned away or is past its age
-- (int_rules_held_by_feeds), or the rule gate held it back between the two dbt invocations of the
-- month (var rule_holds, expectations/rule_gate.py: its model failed, its data tests failed, or
-- its count jumped unapproved). The rule raises nothing, and its open alerts show 暂停.
with by_feeds as (
    select rule_id, month, stale_feeds, message, 'stale_feed' as hold_kind
    from {{ ref('int_rules_held_by_feeds') }}
),

by_gate as (
    {%- for hold in var('rule_holds', []) %}
    select
        {{ sql_text(hold.rule_id) }} as rule_id,
        '{{ var("month") }}' as month,
        cast(null as string) as stale_feeds,
        '规则' || {{ sql_text(hold.rule_id) }} || '暂停预警：' || {{ sql_text(hold.detail) }} as message,
        {{ sql_text(hold.kind) }} as hold_kind
    {% if not loop.last %}union all{% endif %}
    {%- else %}
    select
        cast(null as string) as rule_id,
        cast(null as string) as month,
        cast(null as string) as stale_feeds,
        cast(null as string) as message,
        cast(null as string) as hold_kind
    where false
    {%- endfor %}
),

holds as (
    select * from by_feeds
    union all
    select * from by_gate
)

select
    rule_id,
    '{{ var("month") }}' as month,
    max(stale_feeds) as stale_feeds,
    {% call text_agg("'；'", order_by=['hold_kind']) %}message{% endcall %} as message,
    {% call text_agg("','", order_by=['hold_kind']) %}hold_kind{% endcall %} as hold_kinds
from holds
group by rule_id
