package org.jatigi.field.text

import org.jatigi.field.ports.DisplacementReason
import org.jatigi.field.ports.ExceptionKind
import org.jatigi.field.ports.Finger
import org.jatigi.field.ports.Region
import org.jatigi.field.ports.Relation

/** The message naming each choice a screen offers (checked for every value by StringsTest). */
object Labels {
    fun finger(f: Finger): Msg = Msg.valueOf("FINGER_" + f.name)
    fun relation(r: Relation): Msg = Msg.valueOf("RELATION_" + r.name)
    fun exception(k: ExceptionKind): Msg = Msg.valueOf("EXC_" + k.name)
    fun region(r: Region): Msg = Msg.valueOf("REGION_" + r.name)
    fun reason(r: DisplacementReason): Msg = Msg.valueOf("REASON_" + r.name)
}
