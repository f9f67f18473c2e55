-- One row per household's economic verification (核对), delivered up to the month (a re-delivered event replaced the old one).
with source as (
    {{ delivered_events(source('raw', 'civil_verification')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        verification_number,
        county as county_code,
        head_name,
        head_id_number,
        head_id_number_status,
        head_id_number_raw,
        cast(household_size as integer) as household_size,
        cast(household_income_annual as decimal(14, 2)) as household_income_annual,
        cast(financial_assets as decimal(14, 2)) as financial_assets,
        cast(property_count as integer) as property_count,
        cast(vehicle_count as integer) as vehicle_count,
        cast(business_count as integer) as business_count,
        cast(completed_date as date) as completed_date,
        row_issues
    from source
)

select * from renamed
