import { useState } from 'react';
import { Alert, App, Button, Drawer, Form, Input, Space, Table, Tag, Typography } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap } from '../shared/api/client';
import type { Json } from '../shared/api/types';
import type { paths as ServiceOffice } from '../shared/api/generated/service-office';
import { hasService } from '../shared/config/runtime-config';
import { formatDateTime } from '../shared/format/format';
import { localName } from '../shared/i18n/i18n';
import { AdminOnly } from './AdminOnly';

type Department = Json<ServiceOffice['/api/v1/departments']['get']>['items'][number];
interface Values {
  areas: string;
  dutyPhone?: string;
  contacts: { post: string; name: string; phone: string }[];
}

/** 职能部门: the catalogue's departments, with the areas they serve, their duty lines and contacts (kept by service-office). */
export function DepartmentsPage() {
  return (
    <AdminOnly>
      <Departments />
    </AdminOnly>
  );
}

function Departments() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [editing, setEditing] = useState<Department>();
  const [form] = Form.useForm<Values>();
  const list = useQuery({ queryKey: ['departments'], enabled: hasService('service-office'), queryFn: () => unwrap(api.office.GET('/api/v1/departments')) });
  const name = (d: Department) => localName({ zh: d.nameZh, en: d.nameEn }, i18n.language);
  const save = useMutation({
    mutationFn: (v: Values) =>
      unwrap(
        api.office.PUT('/api/v1/departments/{code}', {
          params: { path: { code: editing!.code } },
          body: {
            areas: v.areas.split(/[\s,，]+/).filter(Boolean),
            dutyPhone: v.dutyPhone?.trim() ? v.dutyPhone.trim() : null,
            contacts: (v.contacts ?? []).map((c) => ({ post: c.post?.trim() ?? '', name: c.name?.trim() ?? '', phone: c.phone?.trim() ?? '' })),
          },
        }),
      ),
    onSuccess: (d) => {
      message.success(t('admin.departments.saved', { name: name(d) }));
      setEditing(undefined);
      void client.invalidateQueries({ queryKey: ['departments'] });
    },
    onError: (err) => {
      const fields = err instanceof ApiError ? err.fieldErrors : [];
      if (fields.length === 0) return void message.error(err.message);
      form.setFields(
        fields.map((f) => {
          const path = f.field.split('.');
          if (path[0] === 'areas') return { name: 'areas' as const, errors: [`${f.field}: ${f.message}`] };
          if (path[0] === 'contacts' && path.length === 3) return { name: ['contacts', Number(path[1]), path[2]!] as never, errors: [f.message] };
          return { name: path[0] as 'dutyPhone', errors: [f.message] };
        }),
      );
    },
  });
  const open = (d: Department) => {
    setEditing(d);
    form.setFieldsValue({ areas: d.areas.join('\n'), dutyPhone: d.dutyPhone ?? '', contacts: d.contacts });
  };
  if (!hasService('service-office')) return <Alert type="info" showIcon message={t('admin.serviceMissing')} style={{ margin: 16 }} />;

  return (
    <div className="gm-page">
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('admin.departments.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('admin.departments.hint')}</Typography.Paragraph>
      {list.error && <Alert type="error" showIcon message={list.error.message} />}
      <Table<Department>
        rowKey="code"
        loading={list.isLoading}
        dataSource={list.data?.items ?? []}
        pagination={false}
        scroll={{ x: 900 }}
        columns={[
          { title: t('admin.departments.department'), key: 'name', render: (_, d) => <Space direction="vertical" size={0}><Typography.Text strong>{name(d)}</Typography.Text><Typography.Text type="secondary" style={{ fontSize: 12 }}>{d.code}</Typography.Text></Space> },
          { title: t('admin.departments.categories'), key: 'categories', render: (_, d) => <Tag>{t('admin.departments.categoriesCount', { count: d.categories.length })}</Tag> },
          { title: t('admin.departments.areas'), key: 'areas', render: (_, d) => (d.updatedAt ? d.areas.join('、') : `${d.areas.join('、')}（${t('admin.departments.defaultAreas')}）`) },
          { title: t('admin.departments.dutyPhone'), dataIndex: 'dutyPhone', render: (v: string | null) => v ?? t('admin.departments.none') },
          { title: t('admin.departments.contacts'), key: 'contacts', render: (_, d) => (d.contacts.length ? d.contacts.map((c) => `${c.post} ${c.name} ${c.phone}`).join('；') : t('admin.departments.none')) },
          { title: '', key: 'when', render: (_, d) => (d.updatedAt ? <Typography.Text type="secondary" style={{ fontSize: 12 }}>{d.updatedBy} · {formatDateTime(d.updatedAt)}</Typography.Text> : null) },
          { title: '', key: 'edit', render: (_, d) => <Button size="small" onClick={() => open(d)} aria-label={`${t('admin.departments.edit')} ${name(d)}`}>{t('admin.departments.edit')}</Button> },
        ]}
      />
      <Drawer
        open={!!editing}
        title={editing ? t('admin.departments.editTitle', { name: name(editing) }) : ''}
        width={520}
        onClose={() => setEditing(undefined)}
        destroyOnHidden
        extra={
          <Button type="primary" loading={save.isPending} onClick={() => void form.validateFields().then((v) => save.mutate(v))}>
            {t('common.save')}
          </Button>
        }
      >
        <Form form={form} layout="vertical">
          <Form.Item name="areas" label={t('admin.departments.areas')} extra={t('admin.departments.areasHelp')} rules={[{ required: true, whitespace: true, message: t('admin.departments.areasRequired') }]}>
            <Input.TextArea rows={3} />
          </Form.Item>
          <Form.Item name="dutyPhone" label={t('admin.departments.dutyPhone')}>
            <Input maxLength={20} inputMode="tel" />
          </Form.Item>
          <Typography.Text strong>{t('admin.departments.contacts')}</Typography.Text>
          <Form.List name="contacts">
            {(fields, { add, remove }) => (
              <>
                {fields.map((f) => (
                  <Space key={f.key} align="start" wrap style={{ marginTop: 8 }}>
                    <Form.Item name={[f.name, 'post']} label={t('admin.departments.post')}>
                      <Input style={{ width: 110 }} maxLength={40} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'name']} label={t('admin.departments.name')}>
                      <Input style={{ width: 110 }} maxLength={40} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'phone']} label={t('admin.departments.phone')}>
                      <Input style={{ width: 140 }} maxLength={20} />
                    </Form.Item>
                    <Button type="text" icon={<MinusCircleOutlined />} aria-label={t('admin.departments.remove')} onClick={() => remove(f.name)} style={{ marginTop: 30 }} />
                  </Space>
                ))}
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ post: '', name: '', phone: '' })} block style={{ marginTop: 8 }}>
                  {t('admin.departments.addContact')}
                </Button>
              </>
            )}
          </Form.List>
        </Form>
      </Drawer>
    </div>
  );
}
