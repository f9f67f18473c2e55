-- One row for a person affected by a disaster, delivered up to the month (a re-delivered event replaced the old one).
with source as (
    {{ delivered_events(source('raw', 'emergency_disaster')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        disaster_number,
        county as county_code,
        township,
        village,
        person_name,
        id_number,
        id_number_status,
        id_number_raw,
        disaster_type,
        cast(disaster_date as date) as disaster_date,
        damage,
        cast(relief_paid as decimal(14, 2)) as relief_paid,
        row_issues
    from source
)

select * from renamed
