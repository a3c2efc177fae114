import { registerStrings } from '../shared/i18n/i18n';

/**
 * The administration pages' strings (Chinese first, English complete, the same keys: a missing one
 * does not compile), merged into the console's i18n at start.
 */
const zhCN = {
  admin: {
    parameters: '运行参数',
    parameterKeys: {
      'case-rules': '案件规则',
      'case-catalogue': '事部件分类',
      'assessment-scheme': '考核方案',
    },
    version: '第 {{version}} 版',
    defaultVersion: '系统默认（第 0 版）',
    updatedAt: '更新于 {{at}}',
    history: '变更记录',
    editorLabel: '参数内容（JSON）',
    invalidJson: 'JSON 格式错误：{{message}}',
    fieldErrors: '以下字段未通过校验',
    conflict: '参数已被他人修改，请刷新后再保存',
    org: '组织与人员',
    orgTree: '组织机构',
    staff: '人员',
    username: '账号',
    displayName: '姓名',
    imports: '数据导入',
    importKind: '数据类别',
    importKinds: {
      'org-units': '组织机构（org-units.csv）',
      staff: '网格人员（staff.csv）',
      boundaries: '网格边界（GeoJSON）',
      buildings: '楼栋',
      houses: '房屋',
      households: '户',
      residents: '人口',
      organisations: '单位组织',
      'city-objects': '部件',
    },
    chooseFile: '选择文件',
    upload: '开始导入',
    progress: '已上传 {{percent}}%，正在校验与写入…',
    result: '导入完成：新增 {{inserted}}，更新 {{updated}}，未变 {{unchanged}}',
    rejected: '文件有错误行，未写入任何数据',
    line: '第 {{line}} 行',
    partial: '仅导入正确的行',
  },
} as const;

type Strings<T> = { readonly [K in keyof T]: T[K] extends string ? string : Strings<T[K]> };

const en: Strings<typeof zhCN> = {
  admin: {
    parameters: 'Parameters',
    parameterKeys: {
      'case-rules': 'Case rules',
      'case-catalogue': 'Category catalogue',
      'assessment-scheme': 'Assessment scheme',
    },
    version: 'Version {{version}}',
    defaultVersion: 'Built-in default (version 0)',
    updatedAt: 'Updated {{at}}',
    history: 'History',
    editorLabel: 'Parameter value (JSON)',
    invalidJson: 'Not valid JSON: {{message}}',
    fieldErrors: 'These fields did not pass validation',
    conflict: 'Someone else changed this parameter: reload before saving',
    org: 'Org units & staff',
    orgTree: 'Org units',
    staff: 'Staff',
    username: 'Account',
    displayName: 'Name',
    imports: 'Imports',
    importKind: 'Kind of data',
    importKinds: {
      'org-units': 'Org units (org-units.csv)',
      staff: 'Grid staff (staff.csv)',
      boundaries: 'Grid boundaries (GeoJSON)',
      buildings: 'Buildings',
      houses: 'Houses',
      households: 'Households',
      residents: 'Residents',
      organisations: 'Organisations',
      'city-objects': 'City objects',
    },
    chooseFile: 'Choose file',
    upload: 'Import',
    progress: 'Uploaded {{percent}}%, checking and writing…',
    result: 'Imported: {{inserted}} new, {{updated}} updated, {{unchanged}} unchanged',
    rejected: 'The file has invalid rows; nothing was written',
    line: 'Line {{line}}',
    partial: 'Import the valid rows only',
  },
};

registerStrings({ 'zh-CN': zhCN, en });
