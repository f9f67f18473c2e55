-- One row per alert raised in the month: a rule of the catalogue holding for one subject,
-- with the identity that stays the same from month to month (rule + person).
{%- set rule_models = [
    'alert_p01', 'alert_p02', 'alert_p03', 'alert_p04', 'alert_p05', 'alert_p06',
    'alert_n01', 'alert_n02', 'alert_n03', 'alert_n04', 'alert_n05', 'alert_n06', 'alert_n07', 'alert_n08',
    'alert_u01', 'alert_u02', 'alert_u03', 'alert_u04',
    'alert_s01', 'alert_s02', 'alert_s03', 'alert_s04', 'alert_s05', 'alert_s06', 'alert_s07', 'alert_s08',
    'alert_p07', 'alert_n09', 'alert_s09', 'alert_s10',
] %}
{#- a rule the gate held back is not read at all: its model may have failed to build -#}
{%- set held_by_gate = var('rule_holds', []) | map(attribute='rule_id') | map('lower') | list %}
{%- for model in rule_models %}
-- depends_on: {{ ref(model) }}
{%- endfor %}
with raised as (
    {%- for model in rule_models if model[6:] not in held_by_gate %}
    select rule_id, subject_person_key, evidence, level_override from {{ ref(model) }}
    union all
    {%- endfor %}
    select
        cast(null as string) as rule_id,
        cast(null as string) as subject_person_key,
        cast(null as string) as evidence,
        cast(null as string) as level_override
    where false
),

catalogue as (
    select * from {{ ref('alert_rules') }}
),

people as (
    select * from {{ ref('int_person_categories') }}
),

routing as (
    select rule_routing.rule_id, programmes.person_key, programmes.active_dibao_county_codes
    from {{ ref('rule_routing') }} as rule_routing
    cross join {{ ref('int_person_programmes') }} as programmes
    where rule_routing.routing = 'every_roster_county' and {{ list_length('programmes.active_dibao_county_codes') }} > 1
),

due_dates as (
    select * from {{ ref('int_due_dates') }}
),

key_origins as (
    -- a person first seen without a valid ID keeps the alert identity of that first key
    select * from {{ ref('int_person_key_origins') }}
),

data_age as (
    select
        rule_feeds.rule_id,
        max(freshness.age_months) as data_age_months,
        {% call text_agg("'、'", order_by=['freshness.feed_code'], where="freshness.age_months > 0") %}freshness.title || '为' || freshness.age_months || '个月前交付'{% endcall %} as older_feeds
    from {{ ref('rule_feeds') }} as rule_feeds
    inner join {{ ref('int_feed_freshness') }} as freshness using (feed_code)
    group by rule_feeds.rule_id
)

select
    raised.rule_id || '-' || upper(substr(md5(coalesce(key_origins.origin_key, raised.subject_person_key)), 1, 10))
        as alert_id,
    '{{ var("month") }}' as month,
    raised.rule_id,
    catalogue.rule_name,
    catalogue.alert_type,
    catalogue.alert_type_name,
    coalesce(raised.level_override, catalogue.level) as level,
    catalogue.overdue_level,
    catalogue.department,
    people.county_code,
    -- the other counties that receive the alert too (rule_routing): S05's duplicate in two rosters
    {{ joined_list_without('routing.active_dibao_county_codes', 'people.county_code') }} as also_county_codes,
    people.township,
    people.village,
    raised.subject_person_key,
    people.id_number as subject_id_number,
    people.person_name as subject_name,
    people.household_key,
    people.household_number,
    people.category,
    {{ category_label('people.category') }} as category_label,
    raised.evidence || case
        when people.min_match_probability < 1
            then '（记录关联概率' || round(people.min_match_probability, 3) || '）'
        else ''
    end || coalesce('（依据数据：' || data_age.older_feeds || '）', '') as evidence,
    -- what the rule found, without the month-by-month count of working days (N08): a disposal
    -- of 不属实 or 已落实救助 holds while this stays the same
    md5({{ remove_all('raised.evidence', "'已[0-9]+个工作日'") }}) as evidence_digest,
    coalesce(data_age.data_age_months, 0) as data_age_months,
    people.min_match_probability as linkage_probability,
    {{ month_end() }} as data_as_of,
    due_dates.due_date
from raised
inner join catalogue using (rule_id)
inner join people on people.person_key = raised.subject_person_key
left join routing on routing.rule_id = raised.rule_id and routing.person_key = raised.subject_person_key
left join due_dates on due_dates.due_working_days = catalogue.due_working_days
left join data_age using (rule_id)
left join key_origins on key_origins.person_key = raised.subject_person_key
-- a rule relying on a feed past its age raises nothing this month (see held_back_rules), nor in
-- a county whose own file of the feed is past it (held_back_county_rules)
where raised.rule_id not in (select rule_id from {{ ref('held_back_rules') }})
    and not exists (
        select 1 from {{ ref('held_back_county_rules') }} as held
        where held.rule_id = raised.rule_id and held.county_code = people.county_code
    )
