import type { Random } from './random';

/**
 * Word lists for synthetic names. Place names are invented; person names are random pairings of
 * common surnames and given-name characters: they describe nobody.
 */
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文辉鹏飞玉兰红梅海燕春雪丹阳晨宇浩然子涵欣怡梓萱一诺思远嘉怡俊杰雨泽博文宇航佳琪晓东志强永红淑珍秀珍桂芳凤英宏亮立新建华海波';
const PLACE = '云岭青溪海澄松涛枫林明湖翠屏星河兰苑桂园梅峰竹坞荷塘柳岸杏坛梨园桃源枫桥鹭洲金沙银湾玉泉碧水丹霞紫荆芙蓉蔷薇海棠山茶樱花丁香茉莉栀子石榴杨梅龙眼荔枝凤凰白鹭翠竹苍松青山绿水晴川朝阳晓风明月清泉碧波长堤新港东渡西林南湖北岭';
const ROAD_SUFFIX = ['路', '街', '大道', '巷'];
const ESTATE_SUFFIX = ['小区', '花园', '苑', '新村', '公寓'];

function pairs(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < text.length; i += 2) out.push(text.slice(i, i + 2));
  return out;
}
const PLACE_WORDS = pairs(PLACE);

export function districtName(): string {
  return '示范区';
}

export function streetNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${PLACE_WORDS[i % PLACE_WORDS.length]}${i >= PLACE_WORDS.length ? Math.floor(i / PLACE_WORDS.length) + 1 : ''}街道`);
}

export function communityNames(rand: Random, n: number): string[] {
  const out: string[] = [];
  const used = new Set<string>();
  while (out.length < n) {
    const base = `${rand.pick(PLACE_WORDS)}${rand.pick(['', '东', '西', '南', '北', '新', '上', '下'])}`;
    const name = used.has(base) ? `${base}${out.length}` : base;
    used.add(name);
    out.push(`${name}社区`);
  }
  return out;
}

export function personName(rand: Random, surname?: string): string {
  const s = surname ?? SURNAMES[Math.floor(rand.next() * SURNAMES.length)]!;
  const given = rand.chance(0.7) ? `${rand.pick([...GIVEN])}${rand.pick([...GIVEN])}` : rand.pick([...GIVEN]);
  return `${s}${given}`;
}

export function roadName(rand: Random): string {
  return `${rand.pick(PLACE_WORDS)}${rand.pick(ROAD_SUFFIX)}`;
}

export function estateName(rand: Random): string {
  return `${rand.pick(PLACE_WORDS)}${rand.pick(ESTATE_SUFFIX)}`;
}

export function orgName(rand: Random, type: string): string {
  const word = rand.pick(PLACE_WORDS);
  switch (type) {
    case 'company':
      return `${word}${rand.pick(['科技', '贸易', '物流', '建设', '文化', '餐饮管理'])}有限公司`;
    case 'shop':
      return `${word}${rand.pick(['便利店', '超市', '餐厅', '理发店', '药店', '水果店', '五金店'])}`;
    case 'school':
      return `${word}${rand.pick(['小学', '幼儿园', '中学'])}`;
    case 'medical':
      return `${word}${rand.pick(['诊所', '社区卫生服务站', '口腔门诊'])}`;
    case 'government':
      return `${word}${rand.pick(['派出所', '市场监督管理所', '司法所', '供电营业厅'])}`;
    case 'social':
      return `${word}${rand.pick(['志愿者协会', '老年协会', '商会'])}`;
    default:
      return `${word}${rand.pick(['物业服务中心', '停车场', '菜市场'])}`;
  }
}
