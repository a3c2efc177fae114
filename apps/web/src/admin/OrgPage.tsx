import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, AutoComplete, Breadcrumb, Card, Col, Descriptions, Empty, Grid, Row, Skeleton, Space, Spin, Table, Tag, Tree, Typography, type GetRef, type TreeDataNode } from 'antd';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../shared/auth/AuthProvider';
import { formatNumber } from '../shared/format/format';
import { levelOf } from '../shared/org-units';
import { AdminOnly } from './AdminOnly';
import { CHILD_LEVEL, childUnitsQuery, useAllUnits, useOrgUnit, useRootUnits, type OrgUnit, type StaffMember } from './admin-queries';
import './admin-i18n';

/** 组织与人员: the org tree (loaded a level at a time as it is opened), a search by name or code, a unit's path, children and staff. */
export function OrgPage() {
  return (
    <AdminOnly>
      <Org />
    </AdminOnly>
  );
}

/** The codes above a unit, top down (codes are prefixes of their subtree: 6 + 3 + 3 digits, then "-NN"). */
function ancestorsOf(code: string): string[] {
  const community = code.split('-')[0]!;
  return [community.slice(0, 6), community.slice(0, 9), community].filter((c, i, all) => c.length < code.length && all.indexOf(c) === i);
}

const MAX_MATCHES = 30;

function Org() {
  const { t } = useTranslation();
  const { principal } = useAuth();
  const queryClient = useQueryClient();
  const root = principal.orgUnit;
  const roots = useRootUnits(root, levelOf(root));
  const [children, setChildren] = useState<ReadonlyMap<string, readonly OrgUnit[]>>(new Map());
  const [expanded, setExpanded] = useState<readonly string[]>([]);
  const [params, setParams] = useSearchParams();
  const selected = params.get('unit') ?? undefined;
  const tree = useRef<GetRef<typeof Tree>>(null);
  const screens = Grid.useBreakpoint();
  const scrollTo = useRef<string>(undefined);

  const loadChildren = useCallback(
    async (code: string) => {
      const level = levelOf(code);
      if (!CHILD_LEVEL[level]) return;
      const list = await queryClient.fetchQuery(childUnitsQuery(code, level));
      setChildren((m) => (m.has(code) ? m : new Map(m).set(code, list)));
    },
    [queryClient],
  );

  const select = useCallback((code: string) => setParams({ unit: code }, { replace: true }), [setParams]);

  /** Opens the tree down to a unit and the unit itself (loading each level on the way), and selects it. */
  const reveal = useCallback(
    async (code: string) => {
      const open = [...ancestorsOf(code).filter((c) => c.startsWith(root)), ...(CHILD_LEVEL[levelOf(code)] ? [code] : [])];
      select(code);
      try {
        await Promise.all(open.map(loadChildren));
      } catch {
        return; // the unit's own panel says what went wrong
      }
      scrollTo.current = code;
      setExpanded((keys) => [...new Set([...keys, ...open])]);
    },
    [loadChildren, root, select],
  );

  // Once the tree shows a unit just revealed, scroll the (virtual) list to it.
  useEffect(() => {
    if (!scrollTo.current) return;
    tree.current?.scrollTo({ key: scrollTo.current, align: 'auto' });
    scrollTo.current = undefined;
  }, [expanded, children]);

  // On arrival: open the tree at the unit in the address (a link, a reload), else at the top unit.
  const arrived = useRef(false);
  useEffect(() => {
    if (arrived.current || !roots.data?.length) return;
    arrived.current = true;
    void reveal(selected ?? roots.data[0]!.code);
  }, [roots.data, reveal, selected]);

  const treeData = useMemo(() => {
    const node = (u: OrgUnit): TreeDataNode => ({
      key: u.code,
      isLeaf: !CHILD_LEVEL[u.level],
      title: (
        <span>
          {u.name} <Typography.Text type="secondary">{u.code}</Typography.Text>
        </span>
      ),
      ...(children.has(u.code) && { children: children.get(u.code)!.map(node) }),
    });
    return (roots.data ?? []).map(node);
  }, [roots.data, children]);

  return (
    <div className="gm-page">
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={9} xxl={7}>
          <Card title={t('admin.orgTree')}>
            <UnitSearch onPick={(code) => void reveal(code)} />
            {roots.error && <Alert type="error" showIcon message={roots.error.message} style={{ marginTop: 12 }} />}
            {roots.isLoading ? (
              <Skeleton active style={{ marginTop: 12 }} />
            ) : treeData.length === 0 ? (
              <Empty description={t('common.empty')} />
            ) : (
              <nav aria-label={t('admin.orgTree')} style={{ marginTop: 12 }}>
                <Tree
                  ref={tree}
                  treeData={treeData}
                  // Virtual: a street may hold hundreds of communities, a community dozens of grids.
                  height={screens.lg ? 560 : 360}
                  blockNode
                  loadedKeys={[...children.keys()]}
                  loadData={(n) => loadChildren(String(n.key))}
                  expandedKeys={[...expanded]}
                  onExpand={(keys) => setExpanded(keys.map(String))}
                  selectedKeys={selected ? [selected] : []}
                  onSelect={(_, info) => {
                    const code = String(info.node.key);
                    select(code);
                    if (!info.node.isLeaf && !expanded.includes(code)) {
                      void loadChildren(code).then(() => setExpanded((keys) => [...keys, code]), () => undefined);
                    }
                  }}
                />
              </nav>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={15} xxl={17}>
          <UnitDetail code={selected} onOpen={(code) => void reveal(code)} />
        </Col>
      </Row>
    </div>
  );
}

/** Finds a unit by (part of) its name or the start of its code; the whole list is fetched on the first search only. */
function UnitSearch({ onPick }: { onPick: (code: string) => void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const needle = q.trim().toLowerCase();
  const all = useAllUnits(needle.length > 0);
  const matches = useMemo(() => {
    if (!needle || !all.data) return [];
    const found = all.data.filter((u) => u.code.startsWith(needle) || u.name.toLowerCase().includes(needle));
    // The exact code first, then by code (parents before their children).
    return found.sort((a, b) => Number(b.code === needle) - Number(a.code === needle) || a.code.localeCompare(b.code)).slice(0, MAX_MATCHES);
  }, [all.data, needle]);
  return (
    <AutoComplete
      aria-label={t('admin.search')}
      placeholder={t('admin.searchPlaceholder')}
      value={q}
      onChange={(v: string) => setQ(v)}
      showSearch={{ filterOption: false }}
      // Enter takes the best match (the exact code, else the first by code).
      defaultActiveFirstOption
      allowClear
      style={{ width: '100%' }}
      notFoundContent={needle ? all.isFetching ? <Spin size="small" /> : t('admin.noMatch') : null}
      options={matches.map((u) => ({
        value: u.code,
        label: (
          <Space size={6} style={{ maxWidth: '100%' }}>
            <Tag style={{ marginInlineEnd: 0 }}>{t(`levels.${u.level}`)}</Tag>
            <span>{u.name}</span>
            <Typography.Text type="secondary">{u.code}</Typography.Text>
          </Space>
        ),
      }))}
      onSelect={(code: string) => {
        setQ('');
        onPick(code);
      }}
    />
  );
}

function UnitDetail({ code, onOpen }: { code: string | undefined; onOpen: (code: string) => void }) {
  const { t } = useTranslation();
  const unit = useOrgUnit(code);
  const d = unit.data;

  if (!code) {
    return (
      <Card>
        <Empty description={t('admin.selectUnit')} />
      </Card>
    );
  }
  const nameOf = (username: string) => d?.staff.find((s) => s.username === username)?.displayName;
  return (
    <Card
      title={
        d ? (
          <Space wrap>
            {d.name}
            <Tag color="blue">{t(`levels.${d.level}`)}</Tag>
          </Space>
        ) : (
          code
        )
      }
    >
      {unit.error && <Alert type="error" showIcon message={unit.error.message} />}
      {unit.isLoading && <Skeleton active />}
      {d && (
        <Space direction="vertical" size={16} style={{ width: '100%' }}>
          <Breadcrumb
            items={d.path.map((p) =>
              p.code === d.code
                ? { key: p.code, title: p.name }
                : {
                    key: p.code,
                    title: (
                      <Typography.Link onClick={() => onOpen(p.code)}>{p.name}</Typography.Link>
                    ),
                  },
            )}
          />
          <Descriptions
            bordered
            size="small"
            column={{ xs: 1, sm: 2 }}
            items={[
              { key: 'code', label: t('admin.code'), children: d.code },
              { key: 'level', label: t('admin.level'), children: t(`levels.${d.level}`) },
              { key: 'parent', label: t('admin.parent'), children: d.path.find((p) => p.code === d.parentCode)?.name ?? d.parentCode ?? '—' },
              { key: 'children', label: t('admin.childCount'), children: formatNumber(d.children.length) },
            ]}
          />
          {d.children.length > 0 && (
            <div>
              <Typography.Title level={5}>{t('admin.children')}</Typography.Title>
              <Table<OrgUnit>
                rowKey="code"
                size="small"
                dataSource={d.children}
                pagination={{ pageSize: 10, hideOnSinglePage: true, size: 'small' }}
                aria-label={t('admin.children')}
                columns={[
                  {
                    title: t('admin.unitName'),
                    dataIndex: 'name',
                    render: (name: string, c) => <Typography.Link onClick={() => onOpen(c.code)}>{name}</Typography.Link>,
                  },
                  { title: t('admin.code'), dataIndex: 'code' },
                  { title: t('admin.level'), dataIndex: 'level', render: (l: string) => t(`levels.${l}`) },
                ]}
              />
            </div>
          )}
          <div>
            <Typography.Title level={5}>{t('admin.staffOf', { name: d.name })}</Typography.Title>
            <Table<StaffMember>
              rowKey="username"
              size="small"
              dataSource={d.staff}
              pagination={{ pageSize: 20, hideOnSinglePage: true, size: 'small' }}
              // Accounts and names do not wrap; a narrow screen scrolls the table sideways instead.
              scroll={{ x: 'max-content' }}
              aria-label={t('admin.staffOf', { name: d.name })}
              locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('admin.noStaff')} /> }}
              columns={[
                { title: t('admin.username'), dataIndex: 'username' },
                { title: t('admin.displayName'), dataIndex: 'displayName' },
                { title: t('grid.post'), dataIndex: 'post', render: (p: string) => t(`grid.posts.${p}`, { defaultValue: p }) },
                { title: t('admin.employment'), dataIndex: 'employment', render: (e: string) => t(`grid.employment.${e}`, { defaultValue: e }) },
                {
                  title: t('admin.partner'),
                  dataIndex: 'abPartner',
                  render: (p: string | null) =>
                    p ? (
                      <Space direction="vertical" size={0}>
                        <span>{nameOf(p) ?? p}</span>
                        {nameOf(p) && (
                          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                            {p}
                          </Typography.Text>
                        )}
                      </Space>
                    ) : (
                      <Typography.Text type="secondary">{t('grid.noPartner')}</Typography.Text>
                    ),
                },
              ]}
            />
          </div>
        </Space>
      )}
    </Card>
  );
}
