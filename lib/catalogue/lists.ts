// Published mutual-recognition lists (DOMAIN §5), item by item, each with the name as printed and the
// catalogue code that stands for it. test/unit/catalogue-items.test.ts checks that every code is in
// the catalogue, so a list item can never be lost from it.

export interface ListedItem {
  /** the name as the list prints it */
  printed: string;
  /** catalogue code */
  code: string;
  /** true when the item was not read from the list's text but inferred (see the list's note) */
  inferred?: boolean;
}

export interface RecognitionList {
  name: string;
  source: string;
  /** items the list announces; `items` may hold fewer when part of the text could not be read */
  announced: number;
  note: string;
  items: ListedItem[];
}

const items = (pairs: [string, string][], inferred = false): ListedItem[] => pairs.map(([printed, code]) => (inferred ? { printed, code, inferred } : { printed, code }));

/** 京津冀鲁区域医疗机构临床检验结果互认项目 (2023-2024年度, 60项). */
export const BEIJING_TIANJIN_HEBEI_SHANDONG_60: RecognitionList = {
  name: '京津冀鲁 2023-2024 临床检验结果互认项目 (60项)',
  source: 'https://wjw.beijing.gov.cn/zwgk_20040/ylws/202501/t20250108_3983414.html (2025-01-08)',
  announced: 60,
  note: 'The stored text of the notice stops inside the CBC group ("血红蛋白(Hb)、血"): its 24 chemistry, 19 immunology and first 3 CBC items (46) are read verbatim; the last 2 CBC items (PLT, HCT) are inferred and the remaining 12 items (the groups after the CBC) could not be read.',
  items: [
    // (一)生化项目(24项)
    ...items([
      ['钾(K)', 'K'],
      ['钠(Na)', 'NA'],
      ['氯(Cl)', 'CL'],
      ['钙(Ca)', 'CA'],
      ['磷(P)', 'PHOS'],
      ['总蛋白(TP)', 'TP'],
      ['白蛋白(Alb)', 'ALB'],
      ['总胆固醇(TC)', 'CHOL'],
      ['甘油三酯(TG)', 'TG'],
      ['肌酐(Cre)', 'CREA'],
      ['尿素(Urea)', 'UREA'],
      ['尿酸(UA)', 'UA'],
      ['葡萄糖(Glu)', 'GLU'],
      ['丙氨酸氨基转移酶(ALT)', 'ALT'],
      ['天门冬氨酸氨基转移酶(AST)', 'AST'],
      ['γ-谷氨酰基转移酶(GGT)', 'GGT'],
      ['乳酸脱氢酶(LDH)', 'LDH'],
      ['肌酸激酶(CK)', 'CK'],
      ['高密度脂蛋白胆固醇(HDL-C)', 'HDLC'],
      ['低密度脂蛋白胆固醇(LDL-C)', 'LDLC'],
      ['糖化血红蛋白A1c(HbA1c)', 'HBA1C'],
      ['淀粉酶(Amy)', 'AMY'],
      ['碱性磷酸酶(ALP)', 'ALP'],
      ['同型半胱氨酸(Hcy)', 'HCY'],
    ]),
    // (二)免疫项目(19项)
    ...items([
      ['乙肝病毒表面抗原(HBsAg)', 'HBSAG'],
      ['乙肝病毒表面抗体(HBsAb)', 'HBSAB'],
      ['丙肝病毒抗体(抗-HCV)', 'HCV_AB'],
      ['甲胎蛋白(AFP)', 'AFP'],
      ['癌胚抗原(CEA)', 'CEA'],
      ['前列腺特异性抗原(PSA)', 'TPSA'],
      ['促甲状腺激素(TSH)', 'TSH'],
      ['总三碘甲状腺原氨酸(T3)', 'TT3'],
      ['游离三碘甲状腺原氨酸(FT3)', 'FT3'],
      ['游离甲状腺素(FT4)', 'FT4'],
      ['总甲状腺素(T4)', 'TT4'],
      ['免疫球蛋白G(IgG)', 'IGG'],
      ['免疫球蛋白M(IgM)', 'IGM'],
      ['免疫球蛋白A(IgA)', 'IGA'],
      ['补体C3', 'C3'],
      ['补体C4', 'C4'],
      ['糖链抗原125(CA125)', 'CA125'],
      ['糖链抗原153(CA15-3)', 'CA153'],
      ['β-人绒毛膜促性腺激素(β-HCG)', 'BHCG'],
    ]),
    // (三)血细胞分析(5项)
    ...items([
      ['白细胞计数(WBC)', 'WBC'],
      ['红细胞计数(RBC)', 'RBC'],
      ['血红蛋白(Hb)', 'HGB'],
    ]),
    ...items(
      [
        ['血小板计数(PLT)', 'PLT'],
        ['红细胞比容(Hct)', 'HCT'],
      ],
      true,
    ),
  ],
};

/** 青海省临床检验结果互认项目 (青海HR, 51项). */
export const QINGHAI_51: RecognitionList = {
  name: '青海省临床检验结果互认项目 (51项)',
  source: 'a Qinghai county hospital\'s published list of 青海HR items (2024-09-12), https://wxredian.com/art?id=b839c5fe5cf893048ad39a551799c2a6',
  announced: 51,
  note: 'Read in full: 18 chemistry, 8 immunology, 8 CBC, 9 urine chemistry, 4 coagulation, 3 blood group, 1 nucleic acid.',
  items: items([
    // (一)常规化学(18项)
    ['钾(K)', 'K'],
    ['钠(Na)', 'NA'],
    ['钙(Ca)', 'CA'],
    ['血糖(Glu)', 'GLU'],
    ['肌酐(Crea)', 'CREA'],
    ['总蛋白(TP)', 'TP'],
    ['白蛋白(ALB)', 'ALB'],
    ['尿酸(UA)', 'UA'],
    ['总胆固醇(TCh)', 'CHOL'],
    ['甘油三脂(TG)', 'TG'],
    ['总胆红素(TBil)', 'TBIL'],
    ['丙氨酸氨基转移酶(ALT)', 'ALT'],
    ['天门冬氨酸氨基转移酶(AST)', 'AST'],
    ['碱性磷酸酶(ALP)', 'ALP'],
    ['肌酸激酶(CK)', 'CK'],
    ['乳酸脱氢酶(LDH)', 'LDH'],
    ['淀粉酶(AMY)', 'AMY'],
    ['γ-谷氨酰基转移酶(GGT)', 'GGT'],
    // (二)免疫项目(8项)
    ['乙肝表面抗原(HBsAg)', 'HBSAG'],
    ['乙肝表面抗体(HBsAb)', 'HBSAB'],
    ['乙肝e抗原(HBeAg)', 'HBEAG'],
    ['乙肝e抗体(HBeAb)', 'HBEAB'],
    ['乙肝核心抗体(HBcAb)', 'HBCAB'],
    ['丙肝抗体(抗-HCV)', 'HCV_AB'],
    ['梅毒螺旋体抗体(TP-Ab)', 'TP_AB'],
    ['人类免疫缺陷病毒抗体(抗-HIV)', 'HIV_AB'],
    // (三)血细胞计数(8项)
    ['白细胞计数(WBC)', 'WBC'],
    ['红细胞计数(RBC)', 'RBC'],
    ['血红蛋白(HGB)', 'HGB'],
    ['血小板计数(PLT)', 'PLT'],
    ['红细胞比容(HCT)', 'HCT'],
    ['平均红细胞体积(MCV)', 'MCV'],
    ['平均红细胞血红蛋白含量(MCH)', 'MCH'],
    ['平均红细胞血红蛋白浓度(MCHC)', 'MCHC'],
    // (四)尿液化学分析(9项)
    ['比重(SG)', 'U_SG'],
    ['PH(PH)', 'U_PH'],
    ['蛋白(PRO)', 'U_PRO'],
    ['葡萄糖(GLU)', 'U_GLU'],
    ['胆红素(BIL)', 'U_BIL'],
    ['酮体(KET)', 'U_KET'],
    ['红细胞(潜血)(BLD)', 'U_BLD'],
    ['亚硝酸盐(NIT)', 'U_NIT'],
    ['尿胆原(URO)', 'U_URO'],
    // (五)凝血试验(4项)
    ['活化部分凝血活酶时间(APTT)', 'APTT'],
    ['凝血酶原时间(PT)', 'PT'],
    ['纤维蛋白原(Fg)', 'FIB'],
    ['凝血酶时间(TT)', 'TT'],
    // (六)血型(3项)
    ['ABO血型正定型', 'ABO_FWD'],
    ['ABO血型反定型', 'ABO_REV'],
    ['RhD血型(RhD抗原)', 'RHD'],
    // (七)新型冠状病毒核酸检测(1项)
    ['2019-nCoV核酸检测', 'SARS2_RNA'],
  ]),
};

export const RECOGNITION_LISTS = [BEIJING_TIANJIN_HEBEI_SHANDONG_60, QINGHAI_51];
