-- One row per person: the identity, place, death and 低保 standard the records agree on.
with records as (
    select * from {{ ref('int_person_records') }}
),

-- Where a person lives now, for routing: the county of the rosters (the latest snapshots), else
-- the county of the most recently delivered records that name one; a person who moved goes to
-- the new county, not to the one most of their history sits in.
placed as (
    select
        person_key,
        county_code,
        township,
        village,
        feed_code in ('civil_dibao', 'civil_tekun', 'civil_marginal', 'rural_monitoring') as is_roster,
        delivery_month = max(delivery_month) over (partition by person_key) as is_latest
    from records
    where county_code is not null
),

place as (
    select
        person_key,
        coalesce(
            {{ most_common('county_code') }} filter (where is_roster and is_latest),
            {{ most_common('county_code') }} filter (where is_latest)
        ) as county_code
    from placed
    group by person_key
),

place_detail as (
    select placed.person_key, {{ most_common('placed.township') }} as township,
        {{ most_common('placed.village') }} as village
    from placed
    inner join place using (person_key, county_code)
    group by placed.person_key
),

person_identity as (
    select
        records.person_key,
        max(records.id_number) as id_number,
        {{ most_common('records.person_name') }} as person_name,
        any_value(place.county_code) as placed_county_code,
        any_value(place_detail.township) as township,
        any_value(place_detail.village) as village,
        min(match_probability) as min_match_probability,
        bool_or(match_method = 'exact_id') as has_valid_id,
        count(*) as record_count
    from records
    left join place using (person_key)
    left join place_detail using (person_key)
    group by records.person_key
),

deaths as (
    select records.person_key, medins.death_date, 'medins_enrollment' as death_source
    from records
    inner join {{ ref('stg_medins_enrollment') }} as medins using (record_id)
    where medins.person_status = '死亡'
    union all
    select records.person_key, hrss.termination_date, 'hrss_insurance'
    from records
    inner join {{ ref('stg_hrss_insurance') }} as hrss using (record_id)
    where hrss.termination_reason = '死亡'
),

first_death as (
    select person_key, min(death_date) as death_date, {% call text_agg("','", distinct=true) %}death_source{% endcall %} as death_source
    from deaths
    group by person_key
),

roster_areas as (
    select records.person_key, bool_or(rosters.area_type = '城市') as roster_urban
    from records
    inner join (
        select record_id, area_type from {{ ref('stg_civil_dibao') }}
        union all
        select record_id, area_type from {{ ref('stg_civil_tekun') }}
    ) as rosters using (record_id)
    group by person_key
),

people as (
    select
        person_identity.person_key,
        person_identity.id_number,
        person_identity.person_name,
        coalesce(
            person_identity.placed_county_code,
            (select county_code from {{ ref('counties') }} as c where c.county_code = substr(person_identity.id_number, 1, 6))
        ) as county_code,
        person_identity.township,
        person_identity.village,
        {{ parse_compact_date('substr(person_identity.id_number, 7, 8)') }} as birth_date,
        case when person_identity.id_number is not null
            then case when cast(substr(person_identity.id_number, 17, 1) as integer) % 2 = 1 then '男' else '女' end
        end as sex,
        coalesce(roster_areas.roster_urban, false) or coalesce(person_identity.village like '%社区', false) as is_urban,
        first_death.death_date,
        first_death.death_source,
        person_identity.min_match_probability,
        person_identity.has_valid_id,
        person_identity.record_count
    from person_identity
    left join first_death using (person_key)
    left join roster_areas using (person_key)
),

standards as (
    select * from {{ ref('int_dibao_standards') }}
)

select
    people.*,
    standards.monthly_standard_yuan as dibao_standard
from people
left join standards
    on standards.county_code = people.county_code
    and standards.area = case when people.is_urban then 'urban' else 'rural' end
