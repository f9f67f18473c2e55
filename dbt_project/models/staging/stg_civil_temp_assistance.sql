-- One row per 临时救助 grant, delivered up to the month (a re-delivered event replaced the old one).
with source as (
    {{ delivered_events(source('raw', 'civil_temp_assistance')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        grant_number,
        county as county_code,
        person_name,
        id_number,
        id_number_status,
        id_number_raw,
        assistance_type,
        reason,
        cast(amount as decimal(14, 2)) as amount,
        cast(approval_date as date) as approval_date,
        row_issues
    from source
)

select * from renamed
