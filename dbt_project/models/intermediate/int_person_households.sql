-- One row per person: the household it belongs to, from the rosters' household numbers
-- (户编号 of 低保 and 低保边缘, 户编码 of 乡村振兴); a person on no roster is a household alone.
-- Roster households (household_ref, as lnk_person_records writes it) that share a person (the
-- head above all, whose ID every roster carries) are one household across feeds: labels spread
-- along shared members for a few rounds.
with records as (
    select * from {{ ref('int_person_records') }}
),

memberships as (
    select records.person_key, records.household_ref,
        dibao.household_number, dibao.relation_to_head, case when dibao.roster_status = '在保' then 1 else 4 end as priority
    from records
    inner join {{ ref('stg_civil_dibao') }} as dibao using (record_id)
    union all
    select records.person_key, records.household_ref,
        marginal.household_number, marginal.relation_to_head, case when marginal.roster_status = '有效' then 2 else 5 end
    from records
    inner join {{ ref('stg_civil_marginal') }} as marginal using (record_id)
    union all
    select records.person_key, records.household_ref, rural.household_code, rural.relation_to_head, 3
    from records
    inner join {{ ref('stg_rural_monitoring') }} as rural using (record_id)
),

grouped_0 as (
    select person_key, household_ref, household_ref as household_group from memberships
),

{% for round in range(1, var('household_grouping_rounds') + 1) %}
grouped_{{ round }} as (
    select
        person_key,
        household_ref,
        min(person_group) over (partition by household_ref) as household_group
    from (
        select
            person_key,
            household_ref,
            min(household_group) over (partition by person_key) as person_group
        from grouped_{{ round - 1 }}
    ) as spread
),
{% endfor %}

groups as (
    select distinct household_ref, household_group
    from grouped_{{ var('household_grouping_rounds') }}
),

ranked as (
    select
        *,
        -- a person listed twice in one household (a roster's duplicate row) is its head if
        -- either row says so: the same choice on every run and engine
        row_number() over (
            partition by person_key
            order by priority, household_ref, coalesce(relation_to_head = '本人', false) desc, coalesce(relation_to_head, '')
        ) as preference
    from memberships
),

people as (
    select person_key from {{ ref('int_people') }}
)

select
    people.person_key,
    coalesce('H' || substr(md5(groups.household_group), 1, 15), 'H' || substr(people.person_key, 2)) as household_key,
    ranked.household_number,
    coalesce(ranked.relation_to_head = '本人', ranked.household_ref is null) as is_head,
    case when ranked.household_ref is null then 'self' else split_part(ranked.household_ref, ':', 1) end as household_source
from people
left join ranked
    on ranked.person_key = people.person_key
    and ranked.preference = 1
left join groups
    on groups.household_ref = ranked.household_ref
