-- One row per home visit (入户走访), delivered up to the month (a re-delivered event replaced the old one).
with source as (
    {{ delivered_events(source('raw', 'civil_visits')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        visit_number,
        cast(visit_date as date) as visit_date,
        county as county_code,
        township,
        village,
        person_name,
        id_number,
        id_number_status,
        id_number_raw,
        phone,
        cast(household_size as integer) as household_size,
        hardship_types,
        description,
        assisted_application,
        visitor,
        row_issues
    from source
)

select * from renamed
