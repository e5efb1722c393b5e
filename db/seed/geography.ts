// Demo geography (GB/T 2260 codes) and fictional laboratories named after real districts.
import type { LabLevel } from '../enums';

export const DEMO_REGIONS = [
  { code: '100000', name: '全国', nameEn: 'National', level: 'national', parentCode: null },
  { code: '440000', name: '广东', nameEn: 'Guangdong', level: 'province', parentCode: '100000' },
  { code: '440100', name: '广州', nameEn: 'Guangzhou', level: 'city', parentCode: '440000' },
  { code: '440300', name: '深圳', nameEn: 'Shenzhen', level: 'city', parentCode: '440000' },
  { code: '330000', name: '浙江', nameEn: 'Zhejiang', level: 'province', parentCode: '100000' },
  { code: '330100', name: '杭州', nameEn: 'Hangzhou', level: 'city', parentCode: '330000' },
  { code: '330200', name: '宁波', nameEn: 'Ningbo', level: 'city', parentCode: '330000' },
] as const;

const DISTRICTS: Record<string, { prefix: string; city: string; cityEn: string; districts: [string, string][] }> = {
  '440100': {
    prefix: 'GZ',
    city: '广州',
    cityEn: 'Guangzhou',
    districts: [['越秀', 'Yuexiu'], ['海珠', 'Haizhu'], ['荔湾', 'Liwan'], ['天河', 'Tianhe'], ['白云', 'Baiyun'], ['黄埔', 'Huangpu'], ['番禺', 'Panyu'], ['花都', 'Huadu'], ['南沙', 'Nansha'], ['从化', 'Conghua'], ['增城', 'Zengcheng']],
  },
  '440300': {
    prefix: 'SZ',
    city: '深圳',
    cityEn: 'Shenzhen',
    districts: [['罗湖', 'Luohu'], ['福田', 'Futian'], ['南山', 'Nanshan'], ['宝安', "Bao'an"], ['龙岗', 'Longgang'], ['盐田', 'Yantian'], ['龙华', 'Longhua'], ['坪山', 'Pingshan'], ['光明', 'Guangming'], ['大鹏', 'Dapeng']],
  },
  '330100': {
    prefix: 'HZ',
    city: '杭州',
    cityEn: 'Hangzhou',
    districts: [['上城', 'Shangcheng'], ['拱墅', 'Gongshu'], ['西湖', 'Xihu'], ['滨江', 'Binjiang'], ['萧山', 'Xiaoshan'], ['余杭', 'Yuhang'], ['临平', 'Linping'], ['钱塘', 'Qiantang'], ['富阳', 'Fuyang'], ['临安', "Lin'an"]],
  },
  '330200': {
    prefix: 'NB',
    city: '宁波',
    cityEn: 'Ningbo',
    districts: [['海曙', 'Haishu'], ['江北', 'Jiangbei'], ['北仑', 'Beilun'], ['镇海', 'Zhenhai'], ['鄞州', 'Yinzhou'], ['奉化', 'Fenghua'], ['余姚', 'Yuyao'], ['慈溪', 'Cixi'], ['宁海', 'Ninghai'], ['象山', 'Xiangshan']],
  },
};

export interface DemoLab {
  code: string;
  name: string;
  nameEn: string;
  level: LabLevel;
  regionCode: string;
}

/** 41 laboratories: per city two tertiary centres, four secondary district hospitals, the rest
 * primary community health centres. */
export function demoLabs(): DemoLab[] {
  const labs: DemoLab[] = [];
  for (const [regionCode, c] of Object.entries(DISTRICTS)) {
    c.districts.forEach(([zh, en], i) => {
      const n = String(i + 1).padStart(3, '0');
      const level: LabLevel = i < 2 ? 'tertiary' : i < 6 ? 'secondary' : 'primary';
      const name =
        level === 'tertiary' ? `${c.city}市${zh}中心医院检验科` : level === 'secondary' ? `${zh}区人民医院检验科` : `${zh}社区卫生服务中心检验室`;
      const nameEn =
        level === 'tertiary'
          ? `${c.cityEn} ${en} Central Hospital Laboratory`
          : level === 'secondary'
            ? `${en} District People's Hospital Laboratory`
            : `${en} Community Health Centre Laboratory`;
      labs.push({ code: `${c.prefix}-${n}`, name, nameEn, level, regionCode });
    });
  }
  return labs;
}
