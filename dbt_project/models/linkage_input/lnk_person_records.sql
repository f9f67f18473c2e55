-- One row per person named by a record of any feed (a roster member, a claimant, a cadre and
-- their relative …): the identity columns Splink compares, before linkage.
{#- the roles come from the feed catalogue (ingestion/catalogue.py, PersonRole) -#}
{%- set roles = person_roles() -%}

{%- set month_year = "cast(left('" ~ var('month') ~ "', 4) as integer)" -%}
{%- for r in roles %}
select
    record_id || '#{{ r.role }}' as person_record_id,
    record_id,
    '{{ r.feed }}' as feed_code,
    delivery_month,
    source_file,
    source_row,
    '{{ r.role }}' as role,
    {{ r.name }} as person_name,
    {{ r.id }} as id_number,
    {{ r.id }}_status as id_number_status,
    {{ r.id }}_raw as id_number_raw,
    {{ r.sex if r.sex else 'cast(null as string)' }} as sex,
    {{ r.phone if r.phone else 'cast(null as string)' }} as phone,
    {{ 'cast(' ~ r.birth_date ~ ' as date)' if r.birth_date else 'cast(null as date)' }} as birth_date_stated,
    {{ 'county_code' if r.place else 'cast(null as string)' }} as county_code,
    {{ 'township' if r.place == 'full' else 'cast(null as string)' }} as township,
    {{ 'village' if r.place == 'full' else 'cast(null as string)' }} as village,
    {% if r.age_hint == 'school' -%}
    -- a pupil's grade narrows the ages (seed row 年级: added to the grade), else the stage's ages
    coalesce(school_start - grade_number - by_grade.max_age, school_start - hints.max_age) as birth_year_low,
    coalesce(school_start - grade_number - by_grade.min_age, school_start - hints.min_age) as birth_year_high,
    {%- elif r.age_hint == 'insurance' -%}
    {{ month_year }} - hints.max_age as birth_year_low,
    {{ month_year }} - hints.min_age as birth_year_high,
    {%- else %}
    cast(null as integer) as birth_year_low,
    cast(null as integer) as birth_year_high,
    {%- endif %}
    {{ r.household if r.household else 'cast(null as string)' }} as household_ref,
    -- the part of a register that holds a person once (人社: one line per 险种)
    {{ r.register_part if r.register_part else 'cast(null as string)' }} as register_part
from {{ ref('stg_' ~ r.feed) }}
{%- if r.age_hint == 'school' %}
cross join lateral (
    select
        try_cast(left(school_year, 4) as integer) as school_start,
        try_cast(regexp_extract(grade, '^([0-9]+)年级$', 1) as integer) as grade_number
) as school
left join {{ ref('linkage_age_hints') }} as hints on hints.hint = school_stage
left join {{ ref('linkage_age_hints') }} as by_grade on by_grade.hint = '年级'
{%- elif r.age_hint == 'insurance' %}
left join {{ ref('linkage_age_hints') }} as hints
    on hints.hint = case
        when monthly_pension > 0 then 'pension'
        when monthly_contribution_base > 0 then 'contributing'
        else 'insured'
    end
{%- endif %}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
