{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where month = '{{ var('month') }}'{% endif %}"
) }}
-- depends_on: {{ ref('held_back_rules') }}
-- depends_on: {{ ref('held_back_county_rules') }}
-- One row per alert per month in which it was open: raised that month, or carried over as it
-- stood (is_paused) because its rule is held back this month. A rerun of a month replaces it.
with raised as (
    select *, false as is_paused from {{ ref('alerts_raised') }}
)

{% if is_incremental() %}
, carried as (
    -- the open alerts of a held-back rule stay open, neither resolved nor raised anew (暂停)
    select
        columns(lambda c: c not in ('month', 'is_paused')),
        '{{ var("month") }}' as month,
        true as is_paused
    from {{ this }} as last_month
    where
        last_month.month = {{ previous_month() }}
        and (
            last_month.rule_id in (select rule_id from {{ ref('held_back_rules') }})
            or exists (
                select 1 from {{ ref('held_back_county_rules') }} as held
                where held.rule_id = last_month.rule_id and held.county_code = last_month.county_code
            )
        )
)

select * from raised
union all by name
select * from carried
{% else %}
select * from raised
{% endif %}
