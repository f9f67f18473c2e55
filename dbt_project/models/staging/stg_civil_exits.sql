-- One row for a person who left 低保 or 特困, delivered up to the month (a re-delivered event replaced the old one).
with source as (
    {{ delivered_events(source('raw', 'civil_exits')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        county as county_code,
        person_name,
        id_number,
        id_number_status,
        id_number_raw,
        former_programme,
        cast(exit_date as date) as exit_date,
        exit_reason,
        cast(income_per_person_at_exit as decimal(14, 2)) as income_per_person_at_exit,
        row_issues
    from source
)

select * from renamed
