-- One row per roster person whose ID number is unusable on the roster (blank, malformed, damaged by
-- Excel, failing its checksum or birth date) and whom linkage could not resolve to a valid ID
-- number from any other record (rule S08).
select
    'S08' as rule_id,
    records.person_key as subject_person_key,
    {% call text_agg("'；'", distinct=true) %}case records.feed_code when 'civil_dibao' then '低保花名册' when 'civil_tekun' then '特困供养名册'
        else '低保边缘名册' end || '身份证号' || case records.id_number_status
            when 'checksum_invalid' then '校验位错误'
            when 'birth_date_invalid' then '出生日期无效'
            when 'excel_damaged' then '被Excel转为科学计数法，位数丢失'
            when 'malformed' then '格式错误'
            else '为空'
        end{% endcall %} || '；其他部门数据中未找到对应的有效身份证号' as evidence,
    cast(null as string) as level_override
from {{ ref('int_person_records') }} as records
inner join {{ ref('int_people') }} as people using (person_key)
where records.feed_code in ('civil_dibao', 'civil_tekun', 'civil_marginal')
    and records.id_number_status in ('checksum_invalid', 'birth_date_invalid', 'excel_damaged', 'malformed', 'blank')
    and people.id_number is null
group by records.person_key
